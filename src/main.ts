// The only module with process.exit and signal handlers.

// `run` is a daemon whose SIGHUP re-reads the node list; a SIGHUP that arrives while it starts (a
// reload asked early, a closing terminal) would end it (Node's default). It is ignored until `run`
// puts its handler in place, and set aside before the rest of the CLI is even loaded.
const ignoreHangup = (): void => undefined;
if (process.argv[2] === 'run') process.on('SIGHUP', ignoreHangup);

const { CommanderError } = await import('commander');
const { CliExit, configExit, EXIT } = await import('./cli/exit-codes.js');
const { buildProgram } = await import('./cli/program.js');
const { ConfigError } = await import('./config/load-config.js');

function onStarted(stop: () => Promise<void>, reload?: () => Promise<unknown>): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        process.stderr.write(`dynslice-agent: stop after ${signal} failed: ${String(error)}\n`);
        process.exit(EXIT.failure);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // SIGHUP re-reads the node list (a manifest); a failed read is logged and changes nothing.
  if (reload) {
    process.on('SIGHUP', () => void reload().catch(() => undefined));
    process.off('SIGHUP', ignoreHangup);
  }
}

try {
  const program = buildProgram({ onStarted });
  if (process.argv.length <= 2) {
    program.outputHelp();
  } else {
    await program.parseAsync(process.argv);
  }
} catch (error) {
  if (error instanceof CliExit) {
    if (error.message) process.stderr.write(`dynslice-agent: ${error.message}\n`);
    process.exit(error.status);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`dynslice-agent: ${error.message}\n`);
    process.exit(configExit(error).status);
  }
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.config);
  // Not an operator's mistake (those exit 2 with a message naming the key): a defect, with its trace.
  const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`dynslice-agent: internal error, please report it with this trace:\n${trace}\n`);
  process.exit(EXIT.failure);
}
