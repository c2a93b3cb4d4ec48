import {
  applyJsonPatch,
  JsonPatchError,
  jsonMergePatch,
  strategicMerge,
} from './merge';

describe('strategicMerge', () => {
  const live = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'app', image: 'a:1', env: [{ name: 'A', value: '1' }] },
            { name: 'sidecar', image: 's:1' },
          ],
        },
      },
    },
  };

  it('merges containers and env by name instead of replacing the list', () => {
    const merged = strategicMerge(live, {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }],
          },
        },
      },
    }) as typeof live;
    const cs = merged.spec.template.spec.containers;
    expect(cs).toHaveLength(2);
    expect(cs[0].image).toBe('a:1');
    expect(cs[0].env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });

  it('honours $patch: delete and null deletion', () => {
    const merged = strategicMerge(live, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', $patch: 'delete' },
              { name: 'app', image: null },
            ],
          },
        },
      },
    }) as typeof live;
    expect(merged.spec.template.spec.containers).toEqual([
      { name: 'app', env: [{ name: 'A', value: '1' }] },
    ]);
  });
});

describe('jsonMergePatch (RFC 7386)', () => {
  it('replaces lists and deletes nulls', () => {
    expect(
      jsonMergePatch(
        { a: [1, 2], b: { c: 1, d: 2 } },
        { a: [3], b: { c: null } },
      ),
    ).toEqual({ a: [3], b: { d: 2 } });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies add/replace/remove and leaves the input untouched', () => {
    const doc = { spec: { replicas: 3, list: [1, 2] } };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'remove', path: '/spec/list/0' },
    ]);
    expect(out).toEqual({ spec: { replicas: 5, list: [2, 3] } });
    expect(doc.spec.replicas).toBe(3);
  });

  it('fails a test op with testFailed set', () => {
    let err: JsonPatchError | undefined;
    try {
      applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]);
    } catch (e) {
      err = e as JsonPatchError;
    }
    expect(err?.testFailed).toBe(true);
    expect(err?.index).toBe(0);
  });

  it('refuses to replace a missing member', () => {
    expect(() =>
      applyJsonPatch({}, [{ op: 'replace', path: '/x', value: 1 }]),
    ).toThrow(/no value to replace/);
  });
});
