// Sends events to `aud serve` with Segment's official Node library
// (@segment/analytics-node, its `host` option pointed at the server), then
// prints one JSON line: {"sent": N, "errors": [...], "statuses": [...]}.
// Usage: node send.mjs HOST WRITE_KEY USERS
import { Analytics } from '@segment/analytics-node';

const [host, writeKey, usersText] = process.argv.slice(2);
const users = Number(usersText);
const analytics = new Analytics({ writeKey, host, flushAt: 25, flushInterval: 200, maxRetries: 1 });
const errors = [];
const statuses = [];
analytics.on('error', (e) => errors.push(String(e?.code ?? e?.reason ?? e)));
analytics.on('http_request', (r) => statuses.push(r.status ?? 0));
analytics.on('call_after_send', () => {});
let sent = 0;
for (let i = 0; i < users; i++) {
  const userId = `node-${i}`;
  analytics.identify({ userId, traits: { email: `user${i}@example.com` } });
  analytics.track({ userId, event: 'Order Completed', properties: { revenue: 10 + i } });
  analytics.track({ userId, event: 'Order Completed', properties: { revenue: 20 + i } });
  sent += 3;
}
analytics.page({ anonymousId: 'anon-1', name: 'Home' });
analytics.screen({ userId: 'node-0', name: 'Cart' });
analytics.group({ userId: 'node-0', groupId: 'acme', traits: { plan: 'pro' } });
analytics.alias({ previousId: 'anon-1', userId: 'node-1' });
sent += 4;
await analytics.closeAndFlush({ timeout: 20000 });
console.log(JSON.stringify({ sent, errors, statuses }));
