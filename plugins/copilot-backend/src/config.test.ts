import { ConfigReader } from '@backstage/config';
import { readCopilotConfig } from './config';
import { parseLine } from './engine/ingest/parsers';

describe('readCopilotConfig', () => {
  it('puts configured text profiles before the built-in ones', () => {
    const config = readCopilotConfig(
      new ConfigReader({
        copilot: {
          ingest: {
            profiles: [
              {
                name: 'haproxy',
                pattern:
                  '^(?<client>\\S+) \\[(?<timestamp>[^\\]]+)\\] (?<status>\\d{3}) (?<latency>\\d+) (?<message>.*)$',
                latencyUnit: 'ms',
              },
            ],
          },
        },
      }),
    );
    expect(config.ingest.profiles[0].name).toBe('haproxy');
    expect(config.ingest.profiles.length).toBeGreaterThan(1);
    const parsed = parseLine(
      '10.0.0.1 [01/Mar/2026:12:00:00] 503 250 backend checkout down',
      config.ingest.profiles,
    );
    expect(parsed).toMatchObject({
      format: 'haproxy',
      level: 'error',
      statusCode: 503,
      latencyMs: 250,
      message: 'backend checkout down',
    });
    expect(config.ingest.sampling).toMatchObject({
      perTemplateMinute: 3,
      perEntityMinute: 200,
      retentionMs: 48 * 3_600_000,
    });
  });

  it('names the profile and the fix when a pattern is wrong', () => {
    const read = (pattern: string, latencyUnit?: string) => () =>
      readCopilotConfig(
        new ConfigReader({
          copilot: {
            ingest: { profiles: [{ name: 'mine', pattern, latencyUnit }] },
          },
        }),
      );
    expect(read('^(?<msg>.*')).toThrow(
      /copilot\.ingest\.profiles\[0\] \(mine\): pattern is not a valid regular expression/,
    );
    expect(read('^.*$')).toThrow(/pattern has no named groups/);
    expect(read('^(?<message>.*)$', 'minutes')).toThrow(
      /latencyUnit must be s, ms or us/,
    );
    expect(() =>
      readCopilotConfig(
        new ConfigReader({
          copilot: { ingest: { sampling: { perTemplateMinute: 0 } } },
        }),
      ),
    ).toThrow(
      /copilot\.ingest\.sampling\.perTemplateMinute must be a positive number/,
    );
  });

  it('reads the analysis scope and names the allowed values when it is wrong', () => {
    expect(readCopilotConfig(new ConfigReader({})).analysis.scope).toBe(
      'neighbourhood',
    );
    expect(
      readCopilotConfig(
        new ConfigReader({ copilot: { analysis: { scope: 'all' } } }),
      ).analysis.scope,
    ).toBe('all');
    expect(() =>
      readCopilotConfig(
        new ConfigReader({ copilot: { analysis: { scope: 'everything' } } }),
      ),
    ).toThrow("copilot.analysis.scope must be 'neighbourhood' or 'all'");
  });

  it('reads the cumulative-to-delta limits', () => {
    expect(readCopilotConfig(new ConfigReader({})).ingest.cumulative).toEqual({
      maxSeries: 200_000,
      maxIdleMs: 3_600_000,
    });
    expect(
      readCopilotConfig(
        new ConfigReader({
          copilot: {
            ingest: { cumulative: { maxSeries: 5000, maxIdleMinutes: 15 } },
          },
        }),
      ).ingest.cumulative,
    ).toEqual({ maxSeries: 5000, maxIdleMs: 900_000 });
    expect(() =>
      readCopilotConfig(
        new ConfigReader({
          copilot: { ingest: { cumulative: { maxSeries: -1 } } },
        }),
      ),
    ).toThrow(
      /copilot\.ingest\.cumulative\.maxSeries must be a positive number/,
    );
  });
});
