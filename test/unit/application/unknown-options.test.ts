import { StelarServer } from '../../../src';
import { closestName, editDistance, unknownNameMessage } from '../../../src/application/unknown-options';
import { SERVER_OPTIONS } from '../../../src/application/server/server-options';
import { harness } from '../client/client-harness';

describe('did-you-mean suggestions', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps, ignoring case', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('reconection', 'reconnection')).toBe(1);
    expect(editDistance('maxconnections', 'maxConnections')).toBe(0);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(editDistance('', 'port')).toBe(4);
  });

  it('suggests a close name or a longer name the input starts, and nothing far away', () => {
    const names = Object.keys(SERVER_OPTIONS);
    expect(closestName('prot', names)).toBe('port');
    expect(closestName('maxConection', names)).toBe('maxConnections');
    expect(closestName('heartbeat', names)).toBe('heartbeatInterval');
    expect(closestName('zzzzzzzz', names)).toBeUndefined();
    expect(unknownNameMessage('option', 'zzz', ['a', 'b'])).toBe('unknown option "zzz" (known: a, b)');
  });
});

describe('unknown server options', () => {
  it('the constructor refuses a misspelled option with a suggestion', () => {
    expect(() => new StelarServer({ prot: 3000 } as never)).toThrow(new TypeError('StelarServer: unknown option "prot" (did you mean "port"?)'));
    expect(() => new StelarServer({ port: 0, maxConectionsPerIp: 5 } as never)).toThrow(/did you mean "maxConnectionsPerIP"\?/);
    expect(() => new StelarServer({ port: 0, hooks: { onClientConect: () => undefined } } as never)).toThrow(
      'StelarServer: unknown hook "onClientConect" (did you mean "onClientConnect"?)',
    );
  });

  it('refuses unknown keys of the cluster option too', () => {
    expect(() => new StelarServer({ port: 0, cluster: { redis: 'redis://127.0.0.1:1', prefx: 'x' } } as never)).toThrow(
      'StelarServer: unknown cluster option "prefx" (did you mean "prefix"?)',
    );
  });

  it('updateConfig refuses unknown keys and leaves the config unchanged', () => {
    const server = new StelarServer({ port: 0, logger: false, gracefulShutdown: false });
    expect(() => server.updateConfig({ maxConnections: 5, maxConection: 3 } as never)).toThrow(/unknown option "maxConection" \(did you mean "maxConnections"\?\)/);
    expect(server.getConfig().maxConnections).toBe(10_000);
    server.updateConfig({ maxConnections: 5 });
    expect(server.getConfig().maxConnections).toBe(5);
  });

  it('accepts every option of the table (the table is the one list)', () => {
    for (const key of Object.keys(SERVER_OPTIONS)) {
      let message = '';
      try {
        new StelarServer({ [key]: undefined } as never);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).not.toMatch(/unknown option/);
    }
  });
});

describe('unknown client options', () => {
  it('the constructor refuses a misspelled option with a suggestion', () => {
    expect(() => harness({ reconection: false } as never)).toThrow(new TypeError('StelarClient: unknown option "reconection" (did you mean "reconnection"?)'));
    expect(() => harness({ rejectUnauthorised: false } as never)).toThrow(/did you mean "rejectUnauthorized"\?/);
    expect(() => harness({ hooks: { onErorr: () => undefined } } as never)).toThrow('StelarClient: unknown hook "onErorr" (did you mean "onError"?)');
  });

  it('updateOptions refuses unknown keys and keeps the options', () => {
    const { client } = harness();
    expect(() => client.updateOptions({ ackTimout: 10 } as never)).toThrow(/unknown option "ackTimout" \(did you mean "ackTimeout"\?\)/);
    expect(client.getOptions().ackTimeout).toBe(5000);
    client.updateOptions({ ackTimeout: 10, servername: 'localhost' });
    expect(client.getOptions()).toMatchObject({ ackTimeout: 10, servername: 'localhost' });
  });

  it('validates the TLS options', () => {
    expect(() => harness({ ca: 42 } as never)).toThrow(/ca must be PEM/);
    expect(() => harness({ servername: '' })).toThrow(/servername/);
    expect(() => harness({ ca: ['a', new Uint8Array(1)], cert: 'c', key: Buffer.from('k') })).not.toThrow();
  });
});
