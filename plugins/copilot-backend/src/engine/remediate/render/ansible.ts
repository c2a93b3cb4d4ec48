// Ansible rendering: a rolling play (serial batches) over the entity's host group with a health gate.
// Uses builtin modules only (lineinfile, systemd_service, uri); no shell.
import { stringify } from 'yaml';
import {
  configKey,
  configValue,
  envName,
  filePath,
  hostPattern,
  unitName,
  version,
} from '../escape';
import { RenderError, type RenderInput, type Rendered } from './types';

export function renderAnsible(input: RenderInput): Rendered {
  const a = input.entity.ansible;
  if (!a)
    throw new RenderError(
      `${input.entity.ref} has no Ansible host group in its metadata`,
    );
  const hosts = hostPattern(a.hosts);
  if (hosts === 'all') throw new RenderError('refusing to target every host');
  const service = unitName(a.service);
  const envFile = filePath(a.configPath ?? `/etc/${service}/${service}.env`);
  const tasks: Array<Record<string, unknown>> = [];
  const set = (key: string, value: string) =>
    tasks.push({
      name: `Set ${key}`,
      'ansible.builtin.lineinfile': {
        path: envFile,
        regexp: `^${key.replace(/[.]/g, '\\.')}=`,
        line: `${key}=${value}`,
        backup: true,
      },
      notify: `restart ${service}`,
    });
  let restart = false;
  for (const i of input.intents) {
    switch (i.type) {
      case 'restart':
        restart = true;
        break;
      case 'undo':
        if (!i.previousVersion)
          throw new RenderError(
            'an Ansible rollback needs the previous version',
          );
        set('RELEASE_VERSION', version(i.previousVersion));
        break;
      case 'env':
        for (const [k, v] of Object.entries(i.env))
          set(envName(k), configValue(v));
        break;
      case 'config':
        for (const [k, v] of Object.entries(i.data))
          set(configKey(k), configValue(v));
        break;
      default:
        throw new RenderError(`ansible mode cannot express a ${i.type} change`);
    }
  }
  if (restart)
    tasks.push({
      name: `Restart ${service}`,
      'ansible.builtin.systemd_service': { name: service, state: 'restarted' },
    });
  tasks.push({
    name: 'Flush handlers',
    'ansible.builtin.meta': 'flush_handlers',
  });
  tasks.push({
    name: `Wait for ${service} to report healthy`,
    'ansible.builtin.uri': {
      url: 'http://127.0.0.1:8080/healthz',
      status_code: 200,
    },
    register: 'health',
    retries: 10,
    delay: 6,
    until: 'health.status == 200',
  });
  const play = [
    {
      name: `Remediate ${service}: ${input.proposal.summary
        .replace(/[\r\n{}%]/g, ' ')
        .slice(0, 120)}`,
      hosts,
      serial: '25%',
      max_fail_percentage: 0,
      become: true,
      tasks,
      handlers: [
        {
          name: `restart ${service}`,
          'ansible.builtin.systemd_service': {
            name: service,
            state: 'restarted',
          },
        },
      ],
    },
  ];
  return {
    artifacts: [
      { path: 'playbook.yml', content: stringify(play, { lineWidth: 0 }) },
      {
        path: 'commands.sh',
        content: `#!/usr/bin/env bash\nset -euo pipefail\n\nansible-playbook -i inventory playbook.yml --limit ${hosts} --diff\n`,
      },
    ],
    steps: [
      {
        title: `Rolling change over ${hosts}, 25% of hosts at a time, each gated on /healthz`,
        artifact: 'playbook.yml',
      },
    ],
    preChecks: [
      {
        id: 'dry-run',
        description: 'the play changes only the intended lines',
        command: `ansible-playbook -i inventory playbook.yml --limit ${hosts} --check --diff`,
      },
    ],
    rollbackSteps: [
      {
        title: `Restore ${envFile} from the backup lineinfile made and restart ${service}`,
      },
    ],
    rollbackArtifacts: [],
  };
}
