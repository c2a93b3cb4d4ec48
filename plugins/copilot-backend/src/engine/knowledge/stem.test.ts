import { stem } from './stem';

describe('stem (Porter2)', () => {
  it.each([
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['ties', 'tie'],
    ['cats', 'cat'],
    ['agreed', 'agre'],
    ['hopping', 'hop'],
    ['hoping', 'hope'],
    ['filling', 'fill'],
    ['failed', 'fail'],
    ['failing', 'fail'],
    ['reloading', 'reload'],
    ['generalization', 'general'],
    ['generously', 'generous'],
    ['notifications', 'notif'],
    ['consistency', 'consist'],
    ['inconsistent', 'inconsist'],
    ['synchronising', 'synchronis'],
    ['crashlooping', 'crashloop'],
    ['evaluations', 'evalu'],
    ['dying', 'die'],
    ['news', 'news'],
    ['skies', 'sky'],
    ['happy', 'happi'],
    ['exceeded', 'exceed'],
    ['controllers', 'control'],
    ['hopeful', 'hope'],
    ['running', 'run'],
  ])('%s -> %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });

  it('leaves short words alone and is idempotent on common stems', () => {
    expect(stem('up')).toBe('up');
    expect(stem(stem('filesystems'))).toBe(stem('filesystems'));
  });
});
