// The npm pcap-parser way: count the packets of a pcap file, print the count.
import pcapParser from 'pcap-parser';

let packets = 0;
const parser = pcapParser.parse(process.argv[2]);
parser.on('packet', () => {
  packets++;
});
parser.on('end', () => console.log(packets));
parser.on('error', (e) => {
  console.error(e);
  process.exit(1);
});
