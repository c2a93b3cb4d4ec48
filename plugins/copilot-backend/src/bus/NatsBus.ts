import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  AckPolicy,
  connect,
  JSONCodec,
  RetentionPolicy,
  type ConsumerMessages,
  type NatsConnection,
} from 'nats';
import type { Bus, BusHandler, BusMessage, BusTopic } from './Bus';

export interface NatsBusOptions {
  servers: string[];
  /** JetStream stream holding every copilot topic (subjects `<subjectPrefix>.>`). */
  stream?: string;
  subjectPrefix?: string;
  /**
   * Durable consumer names start with this; replicas sharing it share the work (each message is
   * handled by one replica).
   */
  durablePrefix?: string;
  /** How long messages are kept in the stream. */
  maxAgeSeconds?: number;
  logger: LoggerService;
}

const codec = JSONCodec<BusMessage<unknown>>();

/**
 * The bus between replicas, on NATS JetStream: one stream for all topics, one durable pull consumer per
 * topic and subscriber group, explicit acks, and redelivery (up to 5 times) when a handler fails.
 */
export class NatsBus implements Bus {
  private readonly consumers = new Set<ConsumerMessages>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly options: Required<Omit<NatsBusOptions, 'servers'>>,
  ) {}

  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    const settings = {
      stream: options.stream ?? 'COPILOT',
      subjectPrefix: options.subjectPrefix ?? 'copilot',
      durablePrefix: options.durablePrefix ?? 'copilot',
      maxAgeSeconds: options.maxAgeSeconds ?? 24 * 3600,
      logger: options.logger,
    };
    const nc = await connect({
      servers: options.servers,
      name: 'backstage-copilot',
    });
    const jsm = await nc.jetstreamManager();
    const subjects = [`${settings.subjectPrefix}.>`];
    try {
      await jsm.streams.info(settings.stream);
      await jsm.streams.update(settings.stream, {
        subjects,
        max_age: settings.maxAgeSeconds * 1e9,
      });
    } catch {
      await jsm.streams.add({
        name: settings.stream,
        subjects,
        retention: RetentionPolicy.Limits,
        max_age: settings.maxAgeSeconds * 1e9,
      });
    }
    return new NatsBus(nc, settings);
  }

  private subject(topic: BusTopic) {
    return `${this.options.subjectPrefix}.${topic}`;
  }

  async publish<T>(topic: BusTopic, payload: T): Promise<void> {
    const message: BusMessage<T> = {
      topic,
      payload,
      publishedAt: new Date().toISOString(),
    };
    await this.nc
      .jetstream()
      .publish(
        this.subject(topic),
        codec.encode(message as BusMessage<unknown>),
      );
  }

  subscribe<T>(topic: BusTopic, handler: BusHandler<T>): () => void {
    const durable = `${this.options.durablePrefix}-${topic.replace(
      /\./g,
      '-',
    )}`;
    let stopped = false;
    let messages: ConsumerMessages | undefined;
    const run = async () => {
      const jsm = await this.nc.jetstreamManager();
      try {
        await jsm.consumers.info(this.options.stream, durable);
      } catch {
        await jsm.consumers.add(this.options.stream, {
          durable_name: durable,
          filter_subject: this.subject(topic),
          ack_policy: AckPolicy.Explicit,
          max_deliver: 5,
          ack_wait: 60 * 1e9,
        });
      }
      const consumer = await this.nc
        .jetstream()
        .consumers.get(this.options.stream, durable);
      if (stopped) return;
      messages = await consumer.consume();
      this.consumers.add(messages);
      for await (const m of messages) {
        try {
          await handler(codec.decode(m.data) as BusMessage<T>);
          m.ack();
        } catch (error) {
          this.options.logger.error(
            `bus handler for ${topic} failed (will be redelivered): ${error}`,
          );
          m.nak(5_000);
        }
      }
    };
    run().catch(error => {
      if (!stopped)
        this.options.logger.error(
          `bus subscription to ${topic} ended: ${error}`,
        );
    });
    return () => {
      stopped = true;
      if (messages) {
        messages.stop();
        this.consumers.delete(messages);
      }
    };
  }

  async close(): Promise<void> {
    for (const c of this.consumers) c.stop();
    this.consumers.clear();
    await this.nc.drain();
  }
}
