import {
  BUILTIN_PROFILES,
  newLineFacts,
  parseLine,
  parseLogfmt,
  readLine,
  type LineProfile,
} from './parsers';

describe('parseLine', () => {
  it('reads JSON lines, nested fields included', () => {
    const p = parseLine(
      '{"ts":"2026-03-01T12:00:00Z","level":"ERROR","msg":"charge failed","trace_id":"4bf92f3577b34da6","http":{"status_code":502},"duration_ms":812}',
    );
    expect(p).toMatchObject({
      format: 'json',
      level: 'error',
      message: 'charge failed',
      traceId: '4bf92f3577b34da6',
      statusCode: 502,
      latencyMs: 812,
      timestamp: '2026-03-01T12:00:00Z',
    });
    expect(p.fields['http.status_code']).toBe('502');
  });

  it('reads logfmt, quoted values included', () => {
    expect(
      parseLine(
        'time=2026-03-01T12:00:00Z level=warn msg="pool exhausted, waiting" trace_id=abc123def456 duration_ms=35 status=503',
      ),
    ).toMatchObject({
      format: 'logfmt',
      level: 'warn',
      message: 'pool exhausted, waiting',
      traceId: 'abc123def456',
      latencyMs: 35,
      statusCode: 503,
    });
    expect(
      parseLogfmt('the value x=1 was unexpected in this sentence'),
    ).toBeUndefined();
  });

  it('reads nginx and apache access lines', () => {
    const nginx = parseLine(
      '10.0.3.7 - - [01/Mar/2026:12:00:00 +0000] "POST /api/orders HTTP/1.1" 503 162 "-" "curl/8.5" rt=0.231 trace_id=9f8e7d6c5b4a3921',
    );
    expect(nginx).toMatchObject({
      format: 'access',
      statusCode: 503,
      level: 'error',
      latencyMs: 231,
      traceId: '9f8e7d6c5b4a3921',
      timestamp: '01/Mar/2026:12:00:00 +0000',
    });
    expect(nginx.fields.path).toBe('/api/orders');
    expect(
      parseLine(
        '192.168.1.20 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
      ),
    ).toMatchObject({ format: 'access', statusCode: 200, level: 'info' });
  });

  it('reads klog', () => {
    expect(
      parseLine(
        'E0301 12:00:00.123456    4711 reflector.go:138] failed to list *v1.Pod: connection refused',
      ),
    ).toMatchObject({
      format: 'klog',
      level: 'error',
      message: 'failed to list *v1.Pod: connection refused',
    });
  });

  it('reads syslog in both RFCs', () => {
    expect(
      parseLine(
        '<34>1 2026-03-01T12:00:00.003Z web01 sshd 4123 ID47 - Failed password for root from 10.0.0.9',
      ),
    ).toMatchObject({
      format: 'syslog5424',
      level: 'fatal',
      message: 'Failed password for root from 10.0.0.9',
    });
    expect(
      parseLine(
        'Mar  1 12:00:00 web01 sshd[4123]: Accepted publickey for deploy',
      ),
    ).toMatchObject({
      format: 'syslog3164',
      message: 'Accepted publickey for deploy',
    });
    expect(
      parseLine(
        '<11>Mar  1 12:00:00 db01 postgres[99]: FATAL: too many clients',
      ).level,
    ).toBe('error');
  });

  it('reads logback and python logging', () => {
    expect(
      parseLine(
        '2026-03-01 12:00:00.123 ERROR [http-nio-8080-exec-3] c.s.payments.PaymentAuthorizer - provider timeout after 300ms traceId=00f067aa0ba902b7',
      ),
    ).toMatchObject({
      format: 'logback',
      level: 'error',
      message: 'provider timeout after 300ms traceId=00f067aa0ba902b7',
      traceId: '00f067aa0ba902b7',
    });
    expect(
      parseLine(
        '2026-03-01 12:00:00,123 - worker.jobs - WARNING - retrying job 42',
      ),
    ).toMatchObject({
      format: 'python',
      level: 'warn',
      message: 'retrying job 42',
    });
    expect(parseLine('ERROR:root:could not reach broker')).toMatchObject({
      format: 'python',
      level: 'error',
      message: 'could not reach broker',
    });
  });

  it('keeps unknown text as the message, with a level when one is written', () => {
    expect(parseLine('something odd happened')).toEqual({
      format: 'text',
      message: 'something odd happened',
      fields: {},
      level: undefined,
    });
    expect(parseLine('[worker] WARNING disk almost full').level).toBe('warn');
  });
});

describe('readLine', () => {
  const facts = newLineFacts();
  /** What the ingest engine reads of parseLine's result. */
  const read = (p: {
    format: string;
    level?: unknown;
    message: string;
    traceId?: string;
    statusCode?: number;
    latencyMs?: number;
  }) => ({
    format: p.format,
    level: p.level,
    message: p.message,
    traceId: p.traceId,
    statusCode: p.statusCode,
    latencyMs: p.latencyMs,
  });

  it("says what parseLine says of a line's format, level, message, trace, status and latency", () => {
    const custom: LineProfile[] = [
      {
        // Classes holding parentheses, a lookbehind, plain and non-capturing groups among named ones.
        name: 'odd',
        pattern:
          /^(?<=^)[(\[](?<lvl>[a-z]+)\)?(x)?(?:y)?(?<status>[0-9]{3})?[^(<]*?\((?<message>[^)]*)\)/i,
      },
      { name: 'unnamed', pattern: /^(ab)(c)/ },
      ...BUILTIN_PROFILES,
      {
        name: 'custom',
        pattern: /^(?<lvl>[a-z]+) (?<message>\S+)/,
        trailer: { latency: ['took', 'toString'] },
      },
    ];
    const lines = [
      '{"ts":"2026-03-01T12:00:00Z","level":"ERROR","msg":"charge failed","trace_id":"4bf92f3577b34da6","http":{"status_code":502},"duration_ms":812}',
      '{"level":"info","msg":"request completed","status":200,"duration_ms":31,"trace_id":"ab"}',
      '{"severity":"WARN","message":"","log":"from log","code":"404","duration":"15ms","traceId":null}',
      '{"lvl":"x","msg":5,"status":99,"duration":"","trace.id":"t1","nested":{"a":{"b":1}}}',
      '{"msg":"a","msg":"b","level":["error"],"latency_ms":"NaN"}',
      '{"__proto__":{"level":"error"},"msg":"proto"}',
      '{"msg":"unterminated"',
      '[1,2,3]',
      '{}',
      '  {"msg":"padded"}  ',
      'time=2026-03-01T12:00:00Z level=warn msg="pool exhausted, waiting" trace_id=abc123def456 duration_ms=35 status=503',
      'level=info msg="quoted \\"inner\\" and \\\\ slash" msg=again',
      'level=error msg="unterminated value here',
      'a=1 a=2',
      'a=1 b= c="" duration=12ms',
      '__proto__=x level=debug',
      'constructor=1 toString=2',
      'lvl=info the rest is prose that happens to have one equals sign in it',
      'the value x=1 was unexpected in this sentence',
      '10.0.3.7 - - [01/Mar/2026:12:00:00 +0000] "POST /api/orders HTTP/1.1" 503 162 "-" "curl/8.5" rt=0.231 trace_id=9f8e7d6c5b4a3921',
      '10.0.3.7 - - [01/Mar/2026:12:00:00 +0000] "GET /x HTTP/1.1" 200 5 "-" "ua" rt=- request_time=0.5 trace_id_hex=abcdef12 status=500',
      '192.168.1.20 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
      'E0301 12:00:00.123456    4711 reflector.go:138] failed to list *v1.Pod: connection refused',
      '<34>1 2026-03-01T12:00:00.003Z web01 sshd 4123 ID47 - Failed password for root from 10.0.0.9',
      '<11>Mar  1 12:00:00 db01 postgres[99]: FATAL: too many clients',
      'Mar  1 12:00:00 web01 sshd[4123]: Accepted publickey for deploy',
      '2026-03-01 12:00:00.123 ERROR [http-nio-8080-exec-3] c.s.payments.PaymentAuthorizer - provider timeout after 300ms traceId=00f067aa0ba902b7',
      '2026-03-01 12:00:00,123 - worker.jobs - WARNING - retrying job 42 trace_id: deadbeefcafe',
      'ERROR:root:could not reach broker',
      'something odd happened',
      '[worker] WARNING disk almost full',
      'info started took=12 toString=3 lvl=error',
      'warn stopped took=- level=x',
      '(info)x404 zz (the message) trail',
      '[WARN 503 (m)',
      '(info(x)',
      'abc def',
    ];
    // Over and over: the first matches of a pattern are also checked against its named form.
    for (let round = 0; round < 20; round++) {
      for (const profiles of [BUILTIN_PROFILES, custom]) {
        for (const line of lines) {
          expect(readLine(line, profiles, facts)).toEqual(
            read(parseLine(line, profiles)),
          );
        }
      }
    }
  });
});
