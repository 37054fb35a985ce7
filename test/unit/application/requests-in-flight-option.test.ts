import { StelarServer } from '../../../src/application/server/stelar-server';
import type { StelarOptions } from '../../../src/application/server/server-options';

const make = (o: Partial<StelarOptions>) => new StelarServer({ port: 0, logger: false, gracefulShutdown: false, ...o });

describe('maxRequestsInFlight (server option)', () => {
  it('defaults to 1024 and is in getConfig()', () => {
    expect(make({}).getConfig().maxRequestsInFlight).toBe(1024);
    expect(make({ maxRequestsInFlight: 8 }).getConfig().maxRequestsInFlight).toBe(8);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, 2 ** 20 + 1, '16', null])('refuses %p at construction and in updateConfig, naming the option', (bad) => {
    const msg = /StelarServer: option "maxRequestsInFlight" must be an integer/;
    expect(() => make({ maxRequestsInFlight: bad as never })).toThrow(TypeError);
    expect(() => make({ maxRequestsInFlight: bad as never })).toThrow(msg);
    const server = make({});
    expect(() => server.updateConfig({ maxRequestsInFlight: bad as never })).toThrow(msg);
    expect(server.getConfig().maxRequestsInFlight).toBe(1024);
  });

  it('is live: updateConfig changes it (and a misspelling is refused with a suggestion)', () => {
    const server = make({});
    server.updateConfig({ maxRequestsInFlight: 2 ** 20 });
    expect(server.getConfig().maxRequestsInFlight).toBe(2 ** 20);
    server.updateConfig({ maxRequestsInFlight: 1 });
    expect(server.getConfig().maxRequestsInFlight).toBe(1);
    expect(() => make({ maxRequestInFlight: 3 } as never)).toThrow(/did you mean "maxRequestsInFlight"/);
  });
});
