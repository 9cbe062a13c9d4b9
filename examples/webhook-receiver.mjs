// A target's end of a deletion order (README "Erasure that reaches every copy: delivery"): a webhook
// receiver that checks the Standard Webhooks signature with the `standardwebhooks` library, deletes
// the subject's data in its own system (here: says it would), and confirms the order to the ledger
// with a DeletionConfirmed — which closes it. Run it beside `pdl serve --deliveries FILE`:
//
//   npm install standardwebhooks
//   WEBHOOK_SECRET=whsec_… PORT=8081 PDL_URL=http://127.0.0.1:4000 PDL_KEY=<a producer key> node examples/webhook-receiver.mjs
//
// Without PDL_URL and PDL_KEY it only verifies and acknowledges (confirm later, by any entry path).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.WEBHOOK_SECRET ?? '');
const port = Number(process.env.PORT ?? 8081);
// A repeat (the ledger retries until it hears 2xx) carries the same webhook-id: act once per id.
const done = new Set();

async function confirm(order) {
  const response = await fetch(`${process.env.PDL_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.PDL_KEY}` },
    body: JSON.stringify({
      query: 'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended duplicates rejected { errors { path message } } } }',
      variables: { e: [{
        id: randomUUID(), type: 'DeletionConfirmed', occurredAt: new Date().toISOString(),
        subject: { id: order.subjectId }, actor: { kind: 'system', id: order.target.id },
        data: { orderId: order.orderId, reference: `deleted-by-${order.target.id}`, confirmedBy: order.target.id },
      }] },
    }),
  });
  const { data, errors } = await response.json();
  if (errors || data.recordEvents.rejected.length > 0) throw new Error(`confirmation refused: ${JSON.stringify(errors ?? data.recordEvents.rejected)}`);
}

createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => (body += chunk));
  request.on('end', async () => {
    let message;
    try {
      // Checks the signature over id.timestamp.body, and that the timestamp is within 5 minutes of this clock.
      message = webhook.verify(body, request.headers);
    } catch {
      response.writeHead(401).end();
      return;
    }
    const order = message.data;
    try {
      if (!done.has(order.orderId)) {
        // Ids and categories only: look the subject up in this system's own records, and delete.
        console.log(`order ${order.orderId}: delete ${order.categories.join(', ')} of subject ${order.subjectId} from ${order.target.kind} ${order.target.id} by ${order.dueBy}`);
        if (process.env.PDL_URL && process.env.PDL_KEY) {
          await confirm(order);
          console.log(`order ${order.orderId}: confirmed`);
        }
        done.add(order.orderId);
      }
      response.writeHead(204).end();
    } catch (error) {
      // Not 2xx: the ledger tries again later, with the same id.
      console.error(`order ${order.orderId}: ${error.message}`);
      response.writeHead(503).end();
    }
  });
}).listen(port, '127.0.0.1', function listening() {
  console.log(`webhook receiver on http://127.0.0.1:${this.address().port}/`);
});
