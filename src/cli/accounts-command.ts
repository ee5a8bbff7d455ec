export async function runAccountsCommand(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('e2e-o11y accounts: not available in this build yet\n');
  return 2;
}
