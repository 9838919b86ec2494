declare module 'seek-bzip' {
  const Bunzip: { decode(input: Uint8Array, output?: Uint8Array, multistream?: boolean): Uint8Array };
  export default Bunzip;
}
