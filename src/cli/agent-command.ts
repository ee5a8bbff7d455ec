export async function runAgentCommand(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('e2e-o11y agent: not available in this build yet\n');
  return 2;
}
