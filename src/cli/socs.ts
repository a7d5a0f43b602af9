export async function run(_argv: string[]): Promise<number> {
  process.stdout.write('no SoC profiles are built in yet\n');
  return 0;
}
