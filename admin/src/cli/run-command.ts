/**
 * Runs an admin command's main function: `--help` prints its usage; a failure is one clear line
 * on stderr and exit 1 (docs/operations.md).
 */
export function runCommand(usage: string, main: (args: string[]) => Promise<void>): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return;
  }
  main(args).then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

/** The error for arguments a command does not understand. */
export function usageError(usage: string): Error {
  return new Error(`bad arguments\n${usage}`);
}
