import type { Dissection } from '@cnikit/wire';
import { hierarchyPath } from '../tcp-reassembly.js';

interface HierarchyNode {
  frames: number;
  bytes: number;
  children: Map<string, HierarchyNode>;
}

/** Packets and bytes per protocol path, like `tshark -q -z io,phs`. */
export class ProtocolHierarchy {
  private readonly root: HierarchyNode = { frames: 0, bytes: 0, children: new Map() };

  add(dissection: Dissection, frameLength: number, linkLayerName?: string): void {
    const names = hierarchyPath(dissection.layers);
    if (linkLayerName && names[0] !== linkLayerName) names.unshift(linkLayerName);
    this.addPath(names, dissection.malformed !== undefined, frameLength);
  }

  /** One frame by its layers' field names (see `dissectLayerPath`); a malformed one ends in `_ws.malformed`. */
  addPath(layers: readonly string[], malformed: boolean, frameLength: number): void {
    this.root.frames++;
    this.root.bytes += frameLength;
    let node = this.root;
    for (const name of layers) node = this.count(node, name, frameLength);
    if (malformed) this.count(node, '_ws.malformed', frameLength);
  }

  private count(parent: HierarchyNode, name: string, frameLength: number): HierarchyNode {
    let child = parent.children.get(name);
    if (!child) parent.children.set(name, (child = { frames: 0, bytes: 0, children: new Map() }));
    child.frames++;
    child.bytes += frameLength;
    return child;
  }

  get frames(): number {
    return this.root.frames;
  }

  get bytes(): number {
    return this.root.bytes;
  }

  /** Flat rows, parents before children, with their depth. */
  rows(): { protocol: string; depth: number; frames: number; bytes: number }[] {
    const out: { protocol: string; depth: number; frames: number; bytes: number }[] = [];
    const walk = (node: HierarchyNode, depth: number) => {
      for (const [name, child] of node.children) {
        out.push({ protocol: name, depth, frames: child.frames, bytes: child.bytes });
        walk(child, depth + 1);
      }
    };
    walk(this.root, 0);
    return out;
  }

  format(filter = ''): string {
    const rule = '='.repeat(67);
    let s = `${rule}\nProtocol Hierarchy Statistics\nFilter: ${filter}\n\n`;
    for (const r of this.rows()) {
      const label = `${' '.repeat(2 * r.depth)}${r.protocol}`;
      s += `${label.padEnd(40)} frames:${r.frames} bytes:${r.bytes}\n`;
    }
    return `${s}${rule}\n`;
  }
}
