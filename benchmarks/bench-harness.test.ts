// The runner's ratio and --check rules on synthetic numbers; nothing here is timed.
import { describe, expect, it } from 'vitest';
import { parseGoBench, parseGoBenchLines } from './harness/go-peer.mjs';
import { caseStatus, formatTable } from './harness/report.mjs';
import {
  checkFailed,
  judge,
  median,
  ratio,
  ratioStatus,
  TOLERANCE,
  targetLabel,
} from './harness/verdict.mjs';

describe('ratio targets', () => {
  it('is ours / reference', () => {
    expect(ratio(30, 20)).toBe(1.5);
    expect(ratio(30, 0)).toBeUndefined();
    expect(ratio(Number.NaN, 20)).toBeUndefined();
  });

  it('passes at or under the bound, is near within 20% over, fails past 20% over', () => {
    expect(TOLERANCE).toBe(0.2);
    expect(ratioStatus(1.5, 1.5)).toBe('pass');
    expect(ratioStatus(1.51, 1.5)).toBe('near');
    expect(ratioStatus(1.8, 1.5)).toBe('near'); // exactly 20% over still passes --check
    expect(ratioStatus(1.81, 1.5)).toBe('fail');
    expect(ratioStatus(0.24, 0.2)).toBe('near'); // "≥5× faster than binary-parser", 4.17× faster
    expect(ratioStatus(0.25, 0.2)).toBe('fail');
    expect(ratioStatus(undefined, 1.5)).toBe('missing');
  });

  it('labels targets the way the issue states them', () => {
    expect(targetLabel({ vs: 'loop', max: 1.5 })).toBe('≤1.5× loop');
    expect(targetLabel({ vs: 'binary-parser', max: 0.2 })).toBe('≥5× faster than binary-parser');
    expect(targetLabel({ allocationFree: 'ours' })).toBe('ours alloc-free');
    expect(targetLabel({ vs: 'gobgp', max: 1 / 3, of: 'ours-decoded' })).toBe(
      'ours-decoded ≥3× faster than gobgp',
    );
    expect(targetLabel({ maxMs: 1000 })).toBe('ours ≤1000 ms per op');
    expect(targetLabel({ peakHeapMiB: 64 })).toBe('ours peak heap ≤64 MiB');
  });
});

describe('judge and --check', () => {
  const targets = [{ vs: 'loop', max: 1.5 }, { vs: 'binary-parser', max: 0.2 }, { allocationFree: 'ours' }];

  it('passes a case inside every bound', () => {
    const v = judge(targets, { ours: 20, loop: 16, 'binary-parser': 400 }, { ours: 0.1 });
    expect(v.map((x) => x.status)).toEqual(['pass', 'pass', 'pass']);
    expect(checkFailed(v)).toBe(false);
  });

  it('tolerates a miss within 20% but reports it', () => {
    const v = judge(targets, { ours: 28, loop: 16, 'binary-parser': 400 }, { ours: 0 });
    expect(v[0].status).toBe('near');
    expect(checkFailed(v)).toBe(false);
  });

  it('fails a miss past 20%, an allocating op, and an unmeasured reference', () => {
    expect(checkFailed(judge(targets, { ours: 29, loop: 16, 'binary-parser': 400 }, { ours: 0 }))).toBe(true);
    expect(checkFailed(judge(targets, { ours: 20, loop: 16, 'binary-parser': 400 }, { ours: 48 }))).toBe(
      true,
    );
    expect(checkFailed(judge(targets, { ours: 20, loop: 16 }, { ours: 0 }))).toBe(true);
  });

  it('judges another implementation than ours when a target names it', () => {
    const v = judge([{ vs: 'gobgp', max: 1 / 3, of: 'ours-decoded' }], {
      ours: 10,
      'ours-decoded': 40,
      gobgp: 100,
    });
    expect(v[0].actual).toBe(0.4);
    expect(v[0].status).toBe('near');
  });

  it('bounds the time of one op and the peak heap', () => {
    const targets = [{ maxMs: 1000 }, { peakHeapMiB: 64 }];
    const ok = judge(targets, { ours: 950e6 }, {}, [], { ours: 60 * 2 ** 20 });
    expect(ok.map((x) => [x.actual, x.status])).toEqual([
      [950, 'pass'],
      [60, 'pass'],
    ]);
    const bad = judge(targets, { ours: 1300e6 }, {}, [], { ours: 80 * 2 ** 20 });
    expect(bad.map((x) => x.status)).toEqual(['fail', 'fail']);
    expect(checkFailed(judge(targets, { ours: 500e6 }, {}, [], {}))).toBe(true); // heap not measured
  });

  it('skips, without failing, a target on a peer tool that is not installed', () => {
    const v = judge([{ vs: 'gopacket', max: 1 }], { ours: 20 }, {}, ['gopacket']);
    expect(v[0].status).toBe('skipped');
    expect(checkFailed(v)).toBe(false);
  });
});

describe('numbers in and out', () => {
  it('takes the median', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('parses go test -bench output, -N suffix dropped', () => {
    const out = [
      'goos: linux',
      'BenchmarkDecodeEthIpv4Udp-2   \t 1525351\t       156.7 ns/op\t       0 B/op\t       0 allocs/op',
      'BenchmarkDecodeEthIpv4Udp-2   \t 1872517\t       158.6 ns/op\t       0 B/op\t       0 allocs/op',
      'BenchmarkEncapVxlan           \t  921627\t       419.6 ns/op',
      'PASS',
    ].join('\n');
    expect(parseGoBench(out)).toEqual({
      BenchmarkDecodeEthIpv4Udp: [156.7, 158.6],
      BenchmarkEncapVxlan: [419.6],
    });
  });

  it('keeps the metrics a Go benchmark reports (B/op, allocs/op, b.ReportMetric units)', () => {
    const out =
      'BenchmarkGobgpEncodeUpdate1000Ipv4-2   \t    4485\t     60163 ns/op\t      4096 bytes\t      1000 routes\t 291536779 sum\t   33888 B/op\t    2036 allocs/op';
    expect(parseGoBenchLines(out)).toEqual([
      {
        name: 'BenchmarkGobgpEncodeUpdate1000Ipv4',
        iterations: 4485,
        nsPerOp: 60163,
        metrics: { bytes: 4096, routes: 1000, sum: 291536779, 'B/op': 33888, 'allocs/op': 2036 },
      },
    ]);
  });

  it('prints one row per case with the worst status', () => {
    const verdicts = judge([{ vs: 'loop', max: 1.5 }], { ours: 40, loop: 16 });
    const result = {
      file: 'x.bench.mjs',
      id: 'x',
      title: '(x) synthetic',
      medians: { ours: 40, loop: 16 },
      bytesPerOp: {},
      verdicts,
    };
    expect(caseStatus(result)).toBe('FAIL');
    const table = formatTable([result]);
    expect(table).toContain('(x) synthetic');
    expect(table).toContain('2.50×');
    expect(table).toContain('≤1.5× loop: 2.50× FAIL');
  });
});
