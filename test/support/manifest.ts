import { readFileSync } from 'node:fs';

/** One row of the corpus MANIFEST.tsv. */
export interface ManifestEntry {
  readonly file: string;
  readonly source: string;
  /** Low 16 bits of the file's LINKTYPE. */
  readonly linkType: number;
  /** Wireshark's encapsulation name, e.g. `ether`. */
  readonly encapsulation: string;
  readonly packets: number;
  readonly protocols: readonly string[];
  /** `yes`, `no`, or `n/a` when tshark cannot read the link type. */
  readonly malformed: string;
  readonly notes: string;
}

export function readManifest(path: string): ManifestEntry[] {
  const [header, ...rows] = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  const columns = header.split('\t');
  return rows.map((row) => {
    const cell = Object.fromEntries(row.split('\t').map((v, i) => [columns[i], v]));
    const [link, encapsulation = ''] = (cell.link_type ?? '').split(' ');
    return {
      file: cell.file,
      source: cell.source ?? '',
      linkType: Number.parseInt(link, 10),
      encapsulation,
      packets: Number(cell.packets),
      protocols: (cell.protocols ?? '').split(',').filter((p) => p !== ''),
      malformed: cell.malformed ?? '',
      notes: cell.notes ?? '',
    };
  });
}
