/** `flowsim socs [--json]`: the SoC profiles, their CPUs, ports and flow engines. */
import { parseArgs } from 'node:util';
import { createBackend, listSocProfiles } from '../offload/registry.ts';
import { UserError } from './errors.ts';

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false }, verbose: { type: 'boolean', short: 'v', default: false } } }));
  } catch (e) {
    throw new UserError(`flowsim socs: ${(e as Error).message}`);
  }
  const profiles = listSocProfiles();
  if (values.json) {
    process.stdout.write(JSON.stringify(profiles.map((p) => {
      const be = createBackend(p);
      return { name: p.name, title: p.title, cpu: p.cpu, ports: p.ports, backend: be.name, caps: be.caps, cycles: p.cycles, sources: p.sources, notes: p.notes };
    }), null, 2) + '\n');
    return 0;
  }
  const rows = profiles.map((p) => {
    const be = createBackend(p);
    const caps = be.caps;
    const engine = caps.takesFlowtable ? `${be.name}: ${caps.tableSize} entries${caps.bindRateThreshold ? `, binds at ${caps.bindRateThreshold} pkt/s` : ''}${caps.hwShaping ? ', hw shaping' : ''}` : `no flowtable offload (${be.name})`;
    return [p.name, `${p.cpu.cores}× ${p.cpu.model} ${p.cpu.clockMhz} MHz`, engine];
  });
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  for (const r of rows) process.stdout.write(`${r[0]!.padEnd(w0)}  ${r[1]!.padEnd(w1)}  ${r[2]}\n`);
  if (values.verbose) for (const p of profiles) process.stdout.write(`\n${createBackend(p).describe()}\n`);
  return 0;
}
