// English stemmer: the Porter2 ("Snowball English") algorithm by Martin Porter, written out by hand.
// Steps 0-5 with R1/R2 regions, the gener/commun/arsen prefixes and the special-word exceptions.

const VOWELS = 'aeiouy';
const isVowel = (c: string) => VOWELS.includes(c);
const DOUBLES = ['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt'];
const LI_ENDING = 'cdeghkmnrt';

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};
const POST_1A = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);

function regionAfterVc(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) {
    if (!isVowel(w[i]) && isVowel(w[i - 1])) return i + 1;
  }
  return w.length;
}

function shortSyllableAt(w: string, end: number): boolean {
  // Syllable ending at index `end` (inclusive).
  if (end === 1) return isVowel(w[0]) && !isVowel(w[1]);
  if (end < 2) return false;
  const c = w[end];
  return (
    !isVowel(c) &&
    c !== 'w' &&
    c !== 'x' &&
    c !== 'Y' &&
    isVowel(w[end - 1]) &&
    !isVowel(w[end - 2])
  );
}

export function stem(input: string): string {
  let w = input.toLowerCase();
  if (w.length <= 2) return w;
  if (EXCEPTIONS[w]) return EXCEPTIONS[w];
  if (w[0] === "'") w = w.slice(1);
  if (w[0] === 'y') w = `Y${w.slice(1)}`;
  for (let i = 1; i < w.length; i++) {
    if (w[i] === 'y' && isVowel(w[i - 1]))
      w = `${w.slice(0, i)}Y${w.slice(i + 1)}`;
  }
  const special = /^(gener|commun|arsen)/.exec(w);
  const r1 = special ? special[0].length : regionAfterVc(w, 0);
  const r2 = () => regionAfterVc(w, r1);
  const inR1 = (suffixLen: number) => w.length - suffixLen >= r1;
  const inR2 = (suffixLen: number) => w.length - suffixLen >= r2();
  const ends = (s: string) => w.endsWith(s);
  const cut = (n: number) => {
    w = w.slice(0, w.length - n);
  };
  const hasVowel = (s: string) => [...s].some(isVowel);

  // Step 0
  for (const s of ["'s'", "'s", "'"]) {
    if (ends(s)) {
      cut(s.length);
      break;
    }
  }
  // Step 1a
  if (ends('sses')) cut(2);
  else if (ends('ied') || ends('ies')) {
    w = w.length > 4 ? `${w.slice(0, -3)}i` : `${w.slice(0, -3)}ie`;
  } else if (ends('us') || ends('ss')) {
    // unchanged
  } else if (ends('s') && hasVowel(w.slice(0, -2))) cut(1);

  if (POST_1A.has(w)) return w;

  // Step 1b
  const s1b = ['eedly', 'ingly', 'edly', 'eed', 'ing', 'ed'].find(ends);
  if (s1b === 'eed' || s1b === 'eedly') {
    if (inR1(s1b.length)) w = `${w.slice(0, -s1b.length)}ee`;
  } else if (s1b) {
    const stemPart = w.slice(0, -s1b.length);
    if (hasVowel(stemPart)) {
      w = stemPart;
      if (ends('at') || ends('bl') || ends('iz')) w += 'e';
      else if (DOUBLES.some(ends)) cut(1);
      else if (isShortWord()) w += 'e';
    }
  }
  function isShortWord(): boolean {
    return shortSyllableAt(w, w.length - 1) && r1 >= w.length;
  }

  // Step 1c
  if ((ends('y') || ends('Y')) && w.length > 2 && !isVowel(w[w.length - 2])) {
    w = `${w.slice(0, -1)}i`;
  }

  // Step 2
  const step2: [string, string][] = [
    ['ization', 'ize'],
    ['ational', 'ate'],
    ['fulness', 'ful'],
    ['ousness', 'ous'],
    ['iveness', 'ive'],
    ['tional', 'tion'],
    ['biliti', 'ble'],
    ['lessli', 'less'],
    ['entli', 'ent'],
    ['ation', 'ate'],
    ['alism', 'al'],
    ['aliti', 'al'],
    ['ousli', 'ous'],
    ['iviti', 'ive'],
    ['fulli', 'ful'],
    ['enci', 'ence'],
    ['anci', 'ance'],
    ['abli', 'able'],
    ['izer', 'ize'],
    ['ator', 'ate'],
    ['alli', 'al'],
    ['bli', 'ble'],
    ['ogi', 'og'],
    ['li', ''],
  ];
  const m2 = step2.find(([s]) => ends(s));
  if (m2 && inR1(m2[0].length)) {
    const [s, r] = m2;
    if (s === 'ogi') {
      if (w[w.length - 4] === 'l') w = `${w.slice(0, -3)}og`;
    } else if (s === 'li') {
      if (LI_ENDING.includes(w[w.length - 3])) cut(2);
    } else w = w.slice(0, -s.length) + r;
  }

  // Step 3
  const step3: [string, string][] = [
    ['ational', 'ate'],
    ['tional', 'tion'],
    ['alize', 'al'],
    ['icate', 'ic'],
    ['iciti', 'ic'],
    ['ative', ''],
    ['ical', 'ic'],
    ['ness', ''],
    ['ful', ''],
  ];
  const m3 = step3.find(([s]) => ends(s));
  if (m3 && inR1(m3[0].length)) {
    const [s, r] = m3;
    if (s === 'ative') {
      if (inR2(5)) cut(5);
    } else w = w.slice(0, -s.length) + r;
  }

  // Step 4
  const step4 = [
    'ement',
    'ance',
    'ence',
    'able',
    'ible',
    'ment',
    'ant',
    'ent',
    'ism',
    'ate',
    'iti',
    'ous',
    'ive',
    'ize',
    'ion',
    'al',
    'er',
    'ic',
  ];
  const m4 = step4.find(ends);
  if (m4 && inR2(m4.length)) {
    if (m4 === 'ion') {
      const c = w[w.length - 4];
      if (c === 's' || c === 't') cut(3);
    } else cut(m4.length);
  }

  // Step 5
  if (ends('e')) {
    if (inR2(1) || (inR1(1) && !shortSyllableAt(w, w.length - 2))) cut(1);
  } else if (ends('l') && inR2(1) && w[w.length - 2] === 'l') cut(1);

  return w.replace(/Y/g, 'y');
}
