import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  extractReadmeExample,
  extractReadmeExamples,
  runReadmeExample,
  runReadmeExamples,
  typecheckReadmeExample,
  typecheckReadmeExamples,
} from './readme-runner.js';

const README = `# @cnikit/demo

A sketch first: not an example, no output block follows it.

\`\`\`ts
const sketch: number = 1;
\`\`\`

The diagram after it says nothing about printing.

\`\`\`
+-+-+
\`\`\`

## Example

\`\`\`ts
console.log('first');
\`\`\`

prints

\`\`\`
first
\`\`\`

## Section two

### Typed wrong

\`\`\`typescript
const n: number = 'two';
console.log(n);
\`\`\`

This prints (the output block is whatever follows):

\`\`\`text
two


\`\`\`

- A list item with an indented example:

  \`\`\`ts
  console.log('indented');
  \`\`\`

  prints

  \`\`\`
  indented
  \`\`\`

\`\`\`ts
console.log('no output block after this one');
\`\`\`
`;

describe('README examples: extraction', () => {
  it('the first ```ts block stays "the example", its output the first "prints" block after it', () => {
    expect(extractReadmeExample(README)).toEqual({ code: 'const sketch: number = 1;', expected: 'first' });
  });

  it('every ```ts block directly followed by a "prints" block is an example, with its heading', () => {
    expect(extractReadmeExamples(README)).toEqual([
      { code: "console.log('first');", expected: 'first', index: 1, heading: 'Example', title: '#1 Example' },
      {
        code: "const n: number = 'two';\nconsole.log(n);",
        expected: 'two',
        index: 2,
        heading: 'Typed wrong',
        title: '#2 Typed wrong',
      },
      {
        code: "console.log('indented');",
        expected: 'indented',
        index: 3,
        heading: 'Typed wrong',
        title: '#3 Typed wrong',
      },
    ]);
  });

  it('a README without headings titles its examples by number; one without examples has none', () => {
    const bare = '```ts\nconsole.log(1);\n```\n\nOutput:\n\n```\n1\n```\n';
    expect(extractReadmeExamples(bare).map((e) => e.title)).toEqual(['#1']);
    expect(extractReadmeExamples('# x\n\n```ts\nconst a = 1;\n```\n')).toEqual([]);
  });
});

describe('README examples: running and type-checking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-readme-runner-test-'));
  writeFileSync(join(dir, 'README.md'), README);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs each example in its own process', async () => {
    const runs = await runReadmeExamples(dir);
    expect(runs.map((r) => [r.title, r.stdout, r.exitCode])).toEqual([
      ['#1 Example', 'first', 0],
      ['#2 Typed wrong', 'two', 0],
      ['#3 Typed wrong', 'indented', 0],
    ]);
    // The single-example API still runs the first ```ts block, sketch or not.
    expect((await runReadmeExample(dir)).stdout).toBe('');
  });

  it('ties each type error to its example', () => {
    const checks = typecheckReadmeExamples(dir);
    expect(checks.map((c) => c.diagnostics === '')).toEqual([true, false, true]);
    expect(checks[1].diagnostics).toMatch(
      /^example-2\.ts\(1,7\): error TS2322: Type 'string' is not assignable/,
    );
    expect(typecheckReadmeExample(dir)).toBe('');
  });

  it('says so when a README has no example to run', async () => {
    const sketchOnly = mkdtempSync(join(dir, 'sketch-only-'));
    writeFileSync(join(sketchOnly, 'README.md'), '# x\n\n```ts\nconst a = 1;\n```\n');
    await expect(runReadmeExamples(sketchOnly)).rejects.toThrow(/has no ```ts example with a "prints" block/);
    expect(() => typecheckReadmeExamples(sketchOnly)).toThrow(/has no ```ts example with a "prints" block/);
  });
});
