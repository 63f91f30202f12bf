/** Where a command-line tool writes: the process, or streams a test reads. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * A tool's parsed arguments, or its exit code when there is nothing to run: 2 after an argument it
 * refuses (the reason, then the usage, on stderr), 0 after --help (the usage on stdout).
 */
export function argsOrExit<A extends { readonly help?: boolean }>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => A,
  usage: string,
  io: CliIo,
): A | number {
  let args: A;
  try {
    args = parse(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (!args.help) return args;
  io.stdout.write(usage);
  return 0;
}
