import { afterEach, describe, expect, it, vi } from 'vitest';

describe('where the addon cannot be loaded', () => {
  const platform = process.platform;
  afterEach(() => {
    Object.defineProperty(process, 'platform', { value: platform });
    vi.resetModules();
  });

  it('importing works, the codec works, and opening a socket throws NetlinkUnavailableError', async () => {
    Object.defineProperty(process, 'platform', { value: 'darwin' });
    vi.resetModules();
    const nl = await import('../src/index.js');
    const b = new nl.MessageBuilder();
    b.begin(18, nl.NLM_F_REQUEST).reserve(16);
    expect(nl.NetlinkMessage.parse(b.finish()).type).toBe(18);
    expect(nl.netlinkAvailable()).toBe(false);
    expect(() => nl.NetlinkSocket.open()).toThrow(nl.NetlinkUnavailableError);
    expect(() => nl.NetlinkSocket.open()).toThrow(/only on Linux \(this is darwin\)/);
  });
});
