import { analyze, analyzePromQL, splitIdentifier, tokenize } from './analyze';

describe('analyze', () => {
  it('splits camelCase, acronyms and snake_case names and keeps the whole name', () => {
    expect(splitIdentifier('NodeRAIDDiskFailure')).toEqual([
      'Node',
      'RAID',
      'Disk',
      'Failure',
    ]);
    expect(splitIdentifier('http2Server.listen-port_v6')).toEqual([
      'http',
      '2',
      'Server',
      'listen',
      'port',
      'v',
      '6',
    ]);
    expect(splitIdentifier('etcdHTTPRequestsSlow')).toEqual([
      'etcd',
      'HTTP',
      'Requests',
      'Slow',
    ]);
    expect(splitIdentifier('ÜberFehler')).toEqual(['Über', 'Fehler']);
    const terms = analyze('kube_pod_container_status_restarts_total');
    expect(terms).toContain('kube_pod_container_status_restarts_total');
    expect(terms).toEqual(
      expect.arrayContaining([
        'kube',
        'pod',
        'contain',
        'status',
        'restart',
        'total',
      ]),
    );
    expect(analyze('NodeFilesystemSpaceFillingUp')).toEqual([
      'nodefilesystemspacefillingup',
      'node',
      'filesystem',
      'space',
      'fill',
    ]);
  });

  it('flags the whole form of a compound', () => {
    const toks = tokenize('NodeClockSkewDetected clock');
    expect(toks[0]).toEqual({
      term: 'nodeclockskewdetected',
      position: 0,
      whole: true,
    });
    expect(toks.filter(t => t.whole)).toHaveLength(1);
  });

  it('drops stopwords and bare numbers and stems words', () => {
    expect(
      analyze('The Alertmanager is failing to send 10 notifications'),
    ).toEqual(['alertmanag', 'fail', 'send', 'notif']);
  });

  it('gives the parts of a compound the same position', () => {
    const toks = tokenize('node_cpu rate high');
    const node = toks.find(t => t.term === 'node')!;
    const cpu = toks.find(t => t.term === 'cpu')!;
    const high = toks.find(t => t.term === 'high')!;
    expect(cpu.position).toBe(node.position + 1);
    expect(high.position).toBe(cpu.position + 2);
  });

  it('reduces PromQL to metric names, labels and values', () => {
    const terms = analyzePromQL(
      '# comment about gauges\nmax_over_time(alertmanager_config_last_reload_successful{job="alertmanager-main"}[5m]) == 0',
    );
    expect(terms).toContain('alertmanager_config_last_reload_successful');
    expect(terms).toContain('reload');
    expect(terms).toContain('job');
    expect(terms).toContain('alertmanager_main');
    expect(terms).not.toContain('max_over_time');
    expect(terms).not.toContain('comment');
    expect(terms).not.toContain('5m');
  });
});
