import { analyzeCommands } from './commands';
import { splitShell } from './shellWords';
import type { Finding } from './types';

function check(script: string) {
  const split = splitShell('run.sh', script);
  const findings: Finding[] = [...split.findings];
  const facts = analyzeCommands('run.sh', split.commands, findings);
  return {
    facts,
    findings,
    blocked: findings.filter(f => f.severity === 'block').map(f => f.code),
  };
}

describe('splitShell', () => {
  it('splits words with quotes, escapes and line continuations', () => {
    const { commands } = splitShell(
      'a.sh',
      `kubectl annotate deploy/x -n shop note='a b' "c\\"d" e\\ f \\\n  --overwrite\n`,
    );
    expect(commands).toEqual([
      {
        line: 1,
        words: [
          'kubectl',
          'annotate',
          'deploy/x',
          '-n',
          'shop',
          'note=a b',
          'c"d',
          'e f',
          '--overwrite',
        ],
      },
    ]);
  });

  it('substitutes literal assignments and refuses unknown expansions', () => {
    const ok = splitShell('a.sh', 'NS=shop\nkubectl get pods -n "$NS"\n');
    expect(ok.commands[0].words).toEqual([
      'kubectl',
      'get',
      'pods',
      '-n',
      'shop',
    ]);
    expect(
      splitShell('a.sh', 'kubectl get pods -n $NAMESPACE\n').findings[0].code,
    ).toBe('SH_FORBIDDEN_SYNTAX');
  });

  it.each([
    ['command substitution', 'kubectl annotate deploy/x -n shop a=$(id)'],
    ['backticks', 'kubectl annotate deploy/x -n shop a=`id`'],
    [
      'backticks inside double quotes',
      'kubectl annotate deploy/x -n shop "a=`id`"',
    ],
    ['a pipe', 'kubectl get pods -n shop | sh'],
    ['a separator', 'kubectl get pods -n shop; rm -rf /'],
    ['a redirect', 'kubectl get secret x -n shop -o yaml > /tmp/s'],
    ['a background job', 'kubectl proxy &'],
    ['an env prefix', 'KUBECONFIG=/tmp/k kubectl get pods'],
    ['an unterminated quote', "kubectl get pods -n 'shop"],
    ['a glob', 'kubectl delete -f *.yaml'],
  ])('refuses %s', (_, script) => {
    expect(check(`${script}\n`).blocked.length).toBeGreaterThan(0);
  });
});

describe('analyzeCommands', () => {
  it('accepts the commands the planner and a reviewer write', () => {
    const r = check(
      [
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'kubectl rollout restart deployment/checkout -n shop',
        'kubectl rollout status deployment/checkout -n shop --timeout=10m',
        'kubectl patch deployment cart -n shop --type merge -p \'{"spec":{"replicas":5}}\'',
        'kubectl set image deployment/cart cart=registry.example.com/shop/cart:2.3.8 -n shop',
        'helm upgrade checkout shop/checkout -n shop --reuse-values -f values.yaml --atomic --wait',
        'terraform plan -input=false -out=tfplan',
        'ansible-playbook -i inventory playbook.yml --limit web --check',
      ].join('\n'),
    );
    expect(r.findings.filter(f => f.severity !== 'info')).toEqual([]);
    expect(r.facts.map(f => `${f.tool} ${f.verb}`)).toEqual([
      'kubectl rollout',
      'kubectl rollout',
      'kubectl patch',
      'kubectl set',
      'helm upgrade',
      'terraform plan',
      'ansible-playbook run',
    ]);
    expect(r.facts[0]).toMatchObject({
      namespace: 'shop',
      targets: [{ kind: 'deployment', name: 'checkout' }],
      readOnly: false,
    });
    expect(r.facts[1].readOnly).toBe(true);
    expect(r.facts[2].patch).toEqual({
      type: 'merge',
      text: '{"spec":{"replicas":5}}',
      file: undefined,
    });
    expect(r.facts[3].images).toEqual(['registry.example.com/shop/cart:2.3.8']);
  });

  it.each([
    ['exec', 'kubectl exec -n shop deploy/x -- sh', 'SH_VERB_NOT_ALLOWED'],
    [
      'impersonation',
      'kubectl --as=system:admin get pods',
      'SH_CREDENTIAL_FLAG',
    ],
    [
      'an unknown flag',
      'kubectl scale deployment/x -n shop --replicas=3 --yolo',
      'SH_FLAG_NOT_ALLOWED',
    ],
    ['another tool', 'curl -X DELETE http://api/x', 'SH_TOOL_NOT_ALLOWED'],
    ['a tool by path', '/tmp/kubectl get pods', 'SH_TOOL_NOT_ALLOWED'],
    [
      'an invalid name',
      "kubectl rollout restart 'deployment/x;id' -n shop",
      'SH_SUSPICIOUS_ARG',
    ],
    [
      'a label value from a log line',
      `kubectl label deploy/x -n shop 'reason=OOM at 10:02 (pid 7)'`,
      'K8S_LABEL_INVALID',
    ],
    [
      'a force delete',
      'kubectl delete pod x -n shop --grace-period=0 --force',
      'SH_FORCE_DELETE',
    ],
    ['all namespaces', 'kubectl delete pods -A -l app=x', 'SH_ALL_NAMESPACES'],
    ['stdin manifests', 'kubectl apply -f - -n shop', 'SH_UNREVIEWED_INPUT'],
    [
      'a helm post-renderer',
      'helm upgrade x c -n shop --post-renderer ./x.sh',
      'SH_CREDENTIAL_FLAG',
    ],
    [
      'terraform state surgery',
      'terraform state rm aws_db_instance.x',
      'SH_VERB_NOT_ALLOWED',
    ],
  ])('blocks %s', (_, script, code) => {
    expect(check(`${script}\n`).blocked).toContain(code);
  });

  it('records cluster-admin bindings for the guardrail', () => {
    const r = check(
      'kubectl create clusterrolebinding x --clusterrole=cluster-admin --serviceaccount=shop:x\n',
    );
    expect(r.facts[0].clusterRole).toBe('cluster-admin');
  });

  it('marks deletes, reverts and wide selections', () => {
    const r = check(
      'kubectl delete deployment cart -n shop\nkubectl rollout undo deployment/cart -n shop\nkubectl rollout restart deployment -n shop\nhelm uninstall cart -n shop\n',
    );
    expect(r.facts.map(f => [f.destructive, f.revert, f.wide])).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, false],
      [true, false, false],
    ]);
    expect(r.facts[2].targets).toEqual([{ kind: 'deployment', name: '' }]);
  });
});
