#!/usr/bin/env python3
"""What an attacker learns from veil's output, measured with Anonymeter.

Anonymeter (Giomi et al. 2023, the tool the French CNIL and ENISA point to for
judging anonymization) plays three attacks on a release against the data it
came from, and scores each as the attacker's success beyond what a control
set of people who are not in the release gives them (0: nothing learned, 1:
everything):

- singling out: predicates on the release that pick out one person of the data;
- linkability: joining two halves of the quasi-identifiers through the release;
- inference: guessing a person's marital status from their other columns.

Adult (30,162 rows) is split 70/30 with a fixed seed: the 70 % is released
(raw, or through `veil apply` with the 8 quasi-identifiers and the ARX
hierarchies at k=10, nothing suppressed, in each publishing form), the 30 %
is the control. Every column is compared as text, in every form, so that a
range such as `30-39` and a number such as `37` are judged by the same rule.
Also printed: the share of released rows whose 8 quasi-identifiers are their
own raw values (the report's `own_tuple_share`). Each figure is the mean over
three seeds (the split and the attacks), with the range: one run of 500 attacks
has a 95 % interval about 0.1 wide for inference.

    python3 -m venv .venv && .venv/bin/pip install anonymeter==1.1.0
    .venv/bin/python test/bench/attacks-anonymeter.py [--data DIR] [--k 10] [--attacks 500] [--seeds 0,1,2]   # about 3 minutes

Needs a built veil (npm run build). Prints a Markdown table.
"""
import argparse, json, os, random, subprocess, sys, tempfile, warnings
import numpy as np
import pandas as pd
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation']
SECRET = 'marital-status'
HIERARCHIES = ['race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation']
FORMS = {
    'generalized': '',
    'representative': '  publish: representative\n',
    'representative, max_own_share 0.1': '  publish: representative\n  representative: { max_own_share: 0.1 }\n',
}

ap = argparse.ArgumentParser()
ap.add_argument('--data', default=os.path.join(REPO, '..', 'shared', 'datasets', 'adult'))
ap.add_argument('--k', type=int, default=10)
ap.add_argument('--attacks', type=int, default=500)
ap.add_argument('--seeds', default='0,1,2', help='split and attack seeds: each figure is the mean over them, with their range')
args = ap.parse_args()
warnings.filterwarnings('ignore')  # Anonymeter's sanity checks warn on the raw release, where the attack is trivially right

adult = pd.read_csv(os.path.join(args.data, 'adult.csv'), sep=';', dtype=str, keep_default_na=False)
work = tempfile.mkdtemp(prefix='veil-anonymeter-')
cut = int(len(adult) * 0.7)

def release(ori, name, form):
    data = os.path.join(work, 'ori.csv')
    ori.to_csv(data, sep=';', index=False)
    policy = os.path.join(work, f'{name}.yaml')
    with open(policy, 'w') as f:
        f.write('version: 1\ninput: { delimiter: ";" }\ncolumns:\n' + ''.join(f'  {c}: keep\n' for c in adult.columns))
        f.write(f'k_anonymity:\n  k: {args.k}\n  quasi_identifiers: [{", ".join(QIS)}]\n  max_suppression: 0\n  hierarchies:\n')
        f.write(''.join(f'    {h}: {os.path.join(args.data, f"adult_hierarchy_{h}.csv")}\n' for h in HIERARCHIES))
        f.write(form)
    out, report = os.path.join(work, f'{name}.csv'), os.path.join(work, f'{name}.json')
    subprocess.run(['node', os.path.join(REPO, 'bin', 'veil.js'), 'apply', data, '--policy', policy,
                    '-o', out, '--output-delimiter', ';', '--report', report], check=True, stderr=subprocess.DEVNULL)
    share = json.load(open(report))['privacy']['k_anonymity']['risk']['own_tuple_share']
    syn = pd.read_csv(out, sep=';', dtype=str, keep_default_na=False)[list(adult.columns)]
    mine = float(np.mean(np.all(syn[QIS].values == ori[QIS].values, axis=1)))
    assert abs(mine - share) < 1e-5, f'{name}: the report says {share}, the output holds {mine}'
    return syn, share

def score(ori, syn, control, seed):
    def seeded():
        random.seed(seed)
        np.random.seed(seed)
    seeded()
    so = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=args.attacks, seed=seed).evaluate(mode='multivariate')
    seeded()
    half = len(QIS) // 2
    li = LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=args.attacks, aux_cols=(QIS[:half], QIS[half:]), n_neighbors=10).evaluate(n_jobs=2)
    seeded()
    inf = InferenceEvaluator(ori=ori, syn=syn, control=control, aux_cols=[c for c in adult.columns if c != SECRET], secret=SECRET, n_attacks=args.attacks).evaluate(n_jobs=2)
    return [e.risk().value for e in (so, li, inf)]

names = ['raw (the 70 % itself)', *FORMS]
figures = {n: [] for n in names}
seeds = [int(x) for x in args.seeds.split(',')]
for seed in seeds:
    order = np.random.RandomState(seed).permutation(len(adult))
    ori, control = adult.iloc[order[:cut]].reset_index(drop=True), adult.iloc[order[cut:]].reset_index(drop=True)
    for i, name in enumerate(names):
        syn, share = (ori, 1.0) if i == 0 else release(ori, f'form{i}', FORMS[name])
        figures[name].append([share, *score(ori, syn, control, seed)])
        print(f'seed {seed}, {name}: ' + ', '.join(f'{x:.3f}' for x in figures[name][-1]), file=sys.stderr, flush=True)

print(f'Adult, 70 % released ({cut} rows), 30 % control; k={args.k}, {args.attacks} attacks each; mean of seeds {args.seeds} (range)\n')
print('| release | own tuple | singling out | linkability | inference (marital status) |')
print('|---|---|---|---|---|')
for name in names:
    cols = np.array(figures[name])
    cells = ' | '.join(f'{c.mean():.3f}' + ('' if len(seeds) == 1 else f' ({c.min():.3f} to {c.max():.3f})') for c in cols.T)
    print(f'| {name} | {cells} |')
