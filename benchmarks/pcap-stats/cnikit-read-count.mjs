// @cnikit/pcap's streaming reader alone (no dissection): count the packets, print the count.
import { openCapture } from '@cnikit/pcap';

let packets = 0;
for await (const _packet of openCapture(process.argv[2], { zeroCopy: true })) packets++;
console.log(packets);
