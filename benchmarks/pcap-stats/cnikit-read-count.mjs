// @cnikit/pcap's streaming reader alone (no dissection), the way `cnikit stats` drives it
// (forEachPacket, zero-copy): count the packets, print the count.
import { openCapture } from '@cnikit/pcap';

let packets = 0;
await openCapture(process.argv[2], { zeroCopy: true }).forEachPacket(() => {
  packets++;
});
console.log(packets);
