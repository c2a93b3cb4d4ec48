import { checkAnsible } from './ansible';
import type { Finding } from './types';
import { parseYaml } from './yamlDocs';

function run(text: string, production = true) {
  const out: Finding[] = [];
  const doc = parseYaml('playbook.yml', text).docs[0];
  const facts = checkAnsible('playbook.yml', doc, production, out);
  return { facts, codes: out.map(f => `${f.code}:${f.severity}@${f.line}`) };
}

describe('checkAnsible', () => {
  it('accepts a rolling restart with builtin modules and records its hosts', () => {
    const r = run(
      '- hosts: web\n  serial: 1\n  tasks:\n    - name: restart\n      ansible.builtin.service:\n        name: nginx\n        state: restarted\n',
    );
    expect(r.codes).toEqual([]);
    expect(r.facts).toMatchObject({
      hosts: ['web'],
      wide: false,
      modules: ['service'],
      restarts: true,
      serial: true,
    });
  });

  it('tells typos from modules it does not know', () => {
    expect(
      run('- hosts: web\n  tasks:\n    - servce: {name: x, state: restarted}\n')
        .codes,
    ).toEqual(['ANSIBLE_UNKNOWN_KEY:block@3']);
    expect(
      run(
        '- hosts: web\n  tasks:\n    - apache2_module: {name: ssl, state: present}\n',
      ).codes,
    ).toEqual(['ANSIBLE_UNKNOWN_MODULE:warn@3']);
    expect(
      run(
        '- hosts: web\n  tasks:\n    - ansible.builtin.copyy: {src: a, dest: /b}\n',
      ).codes,
    ).toEqual(['ANSIBLE_UNKNOWN_KEY:block@3']);
  });

  it('blocks structure errors, dangerous commands and deletes', () => {
    expect(run('hosts: web\ntasks: []\n').codes).toEqual([
      'ANSIBLE_STRUCTURE:block@1',
    ]);
    expect(run('- hosts: web\n  tasks:\n    name: x\n').codes[0]).toMatch(
      /^ANSIBLE_STRUCTURE:block/,
    );
    expect(
      run(
        '- hosts: db\n  tasks:\n    - ansible.builtin.command: rm -rf /var/lib/pg\n',
      ).codes,
    ).toEqual(['ANSIBLE_DANGEROUS_COMMAND:block@3']);
    const del = run(
      '- hosts: db\n  tasks:\n    - ansible.builtin.file: {path: /var/lib/pg, state: absent}\n',
      false,
    );
    expect(del.codes).toEqual(['ANSIBLE_DELETES:block@3']);
    expect(del.facts.dataLoss).toBe(true);
  });

  it('marks hosts: all as unbounded', () => {
    expect(
      run('- hosts: all\n  tasks:\n    - ansible.builtin.ping:\n').facts.wide,
    ).toBe(true);
  });
});
