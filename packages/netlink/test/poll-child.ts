/**
 * Run by native.test.ts: 300 waits for readiness through uv_poll (each handle stopped, then
 * collected at some later GC or at exit), then a clean exit.
 */
import {
  IFLA_IFNAME,
  MessageBuilder,
  Netlink,
  NetlinkMessage,
  NLM_F_REQUEST,
  RTM_GETLINK,
} from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const nl = await Netlink.open({ netns: process.argv[2] });
let replies = 0;
for (let i = 0; i < 300; i++) {
  const b = new MessageBuilder().begin(RTM_GETLINK, NLM_F_REQUEST);
  b.reserve(16);
  b.string(IFLA_IFNAME, 'lo');
  nl.socket.send(b.finish());
  await nl.socket.readable();
  const reply = nl.socket.receiveNow();
  if (reply && NetlinkMessage.parse(reply).type === RTM_GETLINK - 2) replies++;
  if (i % 50 === 0) gc?.();
}
nl.close();
process.stdout.write(String(replies));
