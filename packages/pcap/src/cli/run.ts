import { type CliArgs, checkOptionsFor, parseArgs, USAGE, UsageError } from './args.js';
import { CliError, type ReadOutcome } from './capture-input.js';
import { dissectCommand } from './dissect-command.js';
import { compileFilter, FilterSyntaxError, type PacketFilter } from './filter.js';
import { hexdumpCommand } from './hexdump-command.js';
import type { CliIo } from './io.js';
import { cliDissectors } from './protocols.js';
import { statsCommand } from './stats-command.js';

export type { CliIo, CliStream } from './io.js';

type Command = (
  args: CliArgs & { file: string },
  filter: PacketFilter | undefined,
  io: CliIo,
) => Promise<ReadOutcome>;

const COMMANDS: Record<string, Command> = {
  dissect: dissectCommand,
  hexdump: hexdumpCommand,
  stats: statsCommand,
};

/**
 * Runs `cnikit` with `argv` (without node and script) and resolves to the exit status:
 * 0 file read, 1 corrupt capture (after printing what was read), 2 usage/filter/open error.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`cnikit ${io.version ?? 'unknown'}\n`);
      return 0;
    }
    if (args.command === '') throw new UsageError('a command is needed');
    const command = COMMANDS[args.command];
    if (!command) throw new UsageError(`unknown command ${JSON.stringify(args.command)}`);
    checkOptionsFor(args);
    if (args.file === undefined)
      throw new UsageError(`${args.command} needs a capture FILE (or - for standard input)`);
    const filter = args.filter === undefined ? undefined : compileFilter(args.filter, cliDissectors.fields);
    const outcome = await command({ ...args, file: args.file }, filter, io);
    if (outcome.error) {
      io.stderr.write(
        `cnikit: ${args.file}: corrupt capture after ${outcome.packets} packets: ${outcome.error.message}\n`,
      );
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`cnikit: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof FilterSyntaxError) {
      io.stderr.write(`cnikit: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      io.stderr.write(`cnikit: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
