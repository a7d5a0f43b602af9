/** The command table: name, one-line summary, usage text and the module that runs it. */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  run(argv: string[]): Promise<number>;
}

const lazy = (load: () => Promise<{ run(argv: string[]): Promise<number> }>) => async (argv: string[]) => (await load()).run(argv);

export const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'run a scenario and report what the router did, what it cost and what broke',
    usage: 'flowsim run <scenario.yaml> [--mode none|software|hardware] [--seed N] [--duration T] [--json] [--pcap-out DIR] [--conntrack-out FILE] [--profile] [--quiet]',
    run: lazy(() => import('./run.ts')),
  },
  compare: {
    summary: 'run a scenario in the three modes and show them side by side',
    usage: 'flowsim compare <scenario.yaml> [--seed N] [--duration T] [--json] [--report out.html] [--quiet]',
    run: lazy(() => import('./compare.ts')),
  },
  trace: {
    summary: 'show the road of one packet through the router, and why it was not offloaded',
    usage: 'flowsim trace <scenario.yaml> --packet "<tcp|udp|icmp> <src>[:port] > <dst>[:port] [flags S|A|F|R|P] [at T] [via IFACE]" [--mode none|software|hardware] [--format text|json|nft]',
    run: lazy(() => import('./trace.ts')),
  },
  socs: {
    summary: 'list the SoC profiles and their flow engines',
    usage: 'flowsim socs [--json]',
    run: lazy(() => import('./socs.ts')),
  },
  validate: {
    summary: 'check a scenario, or an nftables ruleset (nft text or libnftables JSON), and summarize it',
    usage: 'flowsim validate <scenario.yaml|ruleset.nft|ruleset.json> [--print] [--json]',
    run: lazy(() => import('./validate.ts')),
  },
  lint: {
    summary: 'check a scenario for flow-offload pitfalls (flowtable devices, SQM, engine limits) without running it',
    usage: 'flowsim lint <scenario.yaml> [--mode none|software|hardware] [--json]',
    run: lazy(() => import('./lint.ts')),
  },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'flowsim — simulate a Linux/OpenWrt router with and without flow offload',
    '',
    'usage: flowsim <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Run `flowsim <command> --help` for the options of one command.',
    'Exit codes: 0 ok, 1 an expectation or lint failed, 2 bad input.',
    '',
  ].join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return mainHelp();
  return `${c.usage}\n\n${c.summary}\n`;
}
