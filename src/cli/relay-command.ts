export async function runRelayCommand(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('e2e-o11y relay: not available in this build yet\n');
  return 2;
}
