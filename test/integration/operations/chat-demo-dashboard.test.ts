import * as http from 'node:http';

// The chat demo (examples/chat-demo) runs with the dashboard at /stelar and metrics at /metrics,
// both behind the credentials it prints at start. Needs the build (the demo loads dist/).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createChatServer } = require('../../../examples/chat-demo/server.js') as {
  createChatServer: (o: { port: number; tcpPort: false; logger: false; dashboard?: { username: string; password: string } }) => {
    stelar: { start(): Promise<number>; stop(): Promise<void> };
    dashboard: { username: string; password: string };
  };
};

function get(port: number, path: string, auth?: { username: string; password: string }): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = auth ? { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {};
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('chat demo operations', () => {
  it('serves the dashboard and metrics behind its generated credentials', async () => {
    const { stelar, dashboard } = createChatServer({ port: 0, tcpPort: false, logger: false });
    expect(dashboard.username).toBe('admin');
    expect(dashboard.password.length).toBeGreaterThanOrEqual(12);
    const port = await stelar.start();
    try {
      expect((await get(port, '/stelar')).status).toBe(401);
      expect((await get(port, '/stelar', { ...dashboard, password: 'guess' })).status).toBe(401);
      const page = await get(port, '/stelar', dashboard);
      expect(page.status).toBe(200);
      expect(page.body).toContain('name="stelar-token"');
      expect((await get(port, '/stelar/dashboard.js', dashboard)).status).toBe(200);
      expect((await get(port, '/metrics')).status).toBe(401);
      expect((await get(port, '/metrics', dashboard)).body).toContain('stelar_connections_opened_total');
      expect((await get(port, '/')).status).toBe(200); // the chat page itself stays public
    } finally {
      await stelar.stop();
    }
  });
});
