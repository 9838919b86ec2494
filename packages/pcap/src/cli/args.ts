/** Parsed command line of `cnikit`. */
export interface CliArgs {
  command: string;
  file?: string;
  json: boolean;
  filter?: string;
  count?: number;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: cnikit <command> FILE [options]

commands:
  dissect FILE [--json] [--filter EXPR] [-c N]   layer tree per packet (like tshark -V), or NDJSON
  hexdump FILE [--filter EXPR] [-c N]            hex dump annotated with the field under each byte
  stats FILE [--filter EXPR] [-c N]              packets and bytes per protocol (like tshark -z io,phs)

options:
  --json            (dissect) one JSON object per packet and line, keyed by Wireshark field names; a field
                    seen more than once (inner and outer ip.src) maps to an array in order
  --filter EXPR     display-filter subset: field == value, != < <= > >=, && || !, (), bare
                    protocol names, ip.src == 10.0.0.0/8 (also -Y EXPR)
  -c, --count N     stop after N packets (after filtering)
  -h, --help        this text
  --version         print the version

FILE is a pcap or pcapng file, read as a stream (bounded memory, any size); - reads standard
input (cat f.pcap | cnikit dissect -). A progress bar shows on stderr for large files when stderr
is a terminal (not for dissect/hexdump to a terminal, nor for standard input).

A filter is checked against the fields cnikit knows before anything is read: an unknown field,
a value out of the field's range, a bad address or a word the field has no value name for is a
bad filter (exit 2), as in tshark. Value names work as in tshark (ip.proto == UDP).

A packet whose link type has no dissector (the link type is named once on stderr) is shown as
undecoded data, and a packet that cannot be decoded to its end is shown up to the error, with
[Malformed Packet: …] (--json: "_ws.malformed": {layer, offset, reason, code}). Neither is an
error: the exit status is 0 whatever the packets contain.

exit status:
  0  the whole file was read
  1  the capture file is corrupt: the packets before the damage are printed, then the error
     with its byte offset in the file
  2  usage error, bad filter (with a caret under the problem), or FILE cannot be opened`;

/** Options that only some commands take: given to another, they are a usage error. */
const ONLY_FOR: Readonly<Record<string, { readonly option: string; readonly commands: readonly string[] }>> =
  {
    json: { option: '--json', commands: ['dissect'] },
  };

/** Throws UsageError for an option the command does not take (`hexdump --json`). */
export function checkOptionsFor(args: CliArgs): void {
  const given: Record<string, boolean> = { json: args.json };
  for (const [key, { option, commands }] of Object.entries(ONLY_FOR)) {
    if (given[key] && !commands.includes(args.command)) {
      throw new UsageError(`${args.command} does not take ${option} (only ${commands.join(', ')} does)`);
    }
  }
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { command: '', json: false, help: false, version: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a === '--version') args.version = true;
    else if (a === '--filter' || a === '-Y') args.filter = value();
    else if (a.startsWith('--filter=')) args.filter = a.slice('--filter='.length);
    else if (a === '-c' || a === '--count') {
      const v = value();
      if (!/^[0-9]+$/.test(v)) throw new UsageError(`${a} needs a packet count, not ${JSON.stringify(v)}`);
      args.count = Number(v);
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  args.command = positional[0] ?? '';
  args.file = positional[1];
  if (positional.length > 2) throw new UsageError(`unexpected argument ${positional[2]}`);
  return args;
}
