import { ServerKit } from '../../helpers/server-kit';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { serverFails } from './autobahn-peer';

// End to end: a WebSocket frame refused from its header reaches the onPayloadTooLarge hook with
// the size the header declared (the adapter attaches it to the error as `size`).
describe('onPayloadTooLarge receives the declared frame size over WebSocket', () => {
  const kit = new ServerKit();
  const raws: RawWsClient[] = [];
  afterEach(async () => {
    for (const r of raws) r.destroy();
    raws.length = 0;
    await kit.teardown();
  });

  it.each([
    ['16-bit length', Buffer.from([0x82, 0xfe, 0x13, 0x88, 1, 2, 3, 4]), 5000],
    ['64-bit length', Buffer.from([0x81, 0xff, 0, 0, 0, 0x01, 0, 0, 0, 0, 1, 2, 3, 4]), 2 ** 32],
  ])('%s', async (_name, header, declared) => {
    const fired: Array<{ size: number; max: number }> = [];
    const server = await kit.server({ maxPayloadSize: 1024, hooks: { onPayloadTooLarge: (i) => void fired.push(i) } });
    const r = await RawWsClient.connect(server.getPort() as number, RawWsClient.request('/'));
    raws.push(r);
    await r.until(() => r.status === 101 && r.sink.events.length > 0); // the server's Connect
    r.socket.write(header);
    await serverFails(r, 1009);
    await r.until(() => fired.length === 1);
    expect(fired[0]).toMatchObject({ size: declared, max: 1024 });
  });
});
