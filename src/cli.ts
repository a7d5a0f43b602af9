/**
 * The `flowsim` command line. Each command lives in src/cli/<command>.ts and exports
 * `run(argv): Promise<number>` returning the exit code: 0 ok, 1 an expectation or lint failed,
 * 2 bad input. Errors reach the user as one located message, never a stack trace.
 */
import { COMMANDS, commandHelp, mainHelp } from './cli/commands.ts';
import { UserError } from './cli/errors.ts';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    process.stdout.write(topic !== undefined && COMMANDS[topic] ? commandHelp(topic) : mainHelp());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write('flowsim 0.1.0\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`flowsim: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(name));
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`flowsim: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);
