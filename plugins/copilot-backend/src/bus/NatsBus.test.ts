import { randomUUID } from 'node:crypto';
import { mockServices } from '@backstage/backend-test-utils';
import { connect } from 'nats';
import { NatsBus } from './NatsBus';
import type { BusMessage } from './Bus';

// Runs against the NATS JetStream server that scripts/test.sh starts (COPILOT_TEST_NATS_URL).
const url = process.env.COPILOT_TEST_NATS_URL;
const describeWithNats = url ? describe : describe.skip;

jest.setTimeout(30_000);

describeWithNats('NatsBus', () => {
  const unique = randomUUID().slice(0, 8);
  let a: NatsBus;
  let b: NatsBus;

  beforeAll(async () => {
    const common = {
      servers: [url!],
      stream: `COPILOT_TEST_${unique}`,
      subjectPrefix: `copilot-test-${unique}`,
      durablePrefix: `test-${unique}`,
      maxAgeSeconds: 600,
      logger: mockServices.logger.mock(),
    };
    a = await NatsBus.connect(common);
    b = await NatsBus.connect(common);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const nc = await connect({ servers: [url!] });
    await (
      await nc.jetstreamManager()
    ).streams.delete(`COPILOT_TEST_${unique}`);
    await nc.close();
  });

  it('delivers every message once across replicas that share a durable consumer, and redelivers on failure', async () => {
    const seen: Array<{ replica: string; n: number }> = [];
    let failedOnce = false;
    const handler =
      (replica: string) => async (m: BusMessage<{ n: number }>) => {
        if (m.payload.n === 3 && !failedOnce) {
          failedOnce = true;
          throw new Error('transient');
        }
        seen.push({ replica, n: m.payload.n });
      };
    const stopA = a.subscribe('signal.ingest', handler('a'));
    const stopB = b.subscribe('signal.ingest', handler('b'));
    for (let n = 0; n < 10; n++) await a.publish('signal.ingest', { n });

    for (let i = 0; i < 200 && seen.length < 10; i++)
      await new Promise(r => setTimeout(r, 50));
    stopA();
    stopB();
    expect(seen.map(s => s.n).sort((x, y) => x - y)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(failedOnce).toBe(true);
  });

  it('keeps topics apart', async () => {
    const got: string[] = [];
    const stop = b.subscribe('rca.make', m => {
      got.push(m.topic);
    });
    await a.publish('fix.plan', { x: 1 });
    await a.publish('rca.make', { x: 2 });
    for (let i = 0; i < 100 && got.length < 1; i++)
      await new Promise(r => setTimeout(r, 50));
    await new Promise(r => setTimeout(r, 200));
    stop();
    expect(got).toEqual(['rca.make']);
  });
});
