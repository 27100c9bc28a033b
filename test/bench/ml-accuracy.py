#!/usr/bin/env python3
"""What k-anonymity costs a model, measured the way the training-ready issue sets the bar.

A 70/30 split of Adult (fixed seeds), the 70 % anonymized by `veil apply` with
the 8 quasi-identifiers and the ARX hierarchies, scikit-learn's
HistGradientBoostingClassifier and LogisticRegression trained on veil's output
as it is (one-hot categories, numbers as numbers: scikit-learn's own
encoders, no featurizing of ours) and tested on the raw 30 %. Each figure is
the mean over the split seeds (one split's test set of 9,049 rows moves an
accuracy by about 0.4 points).

The form `generalized+featurized` trains on the default form (every
quasi-identifier a category: ranges, sets, nodes) and tests on the 30 %
featurized by `veil apply --plan plan.json --plan-mode featurize` with the
training split's plan instead of on raw rows.

    python3 -m venv .venv && .venv/bin/pip install scikit-learn pandas
    .venv/bin/python test/bench/ml-accuracy.py [--data DIR] [--k 5,10,50,100] [--forms ...] [--seeds 0,1,2]

Needs a built veil (npm run build). Prints one table row per training data.
"""
import argparse, os, subprocess, sys, tempfile
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
QIS = ['sex', 'age', 'race', 'marital-status', 'education', 'native-country', 'workclass', 'occupation']
TARGET = 'salary-class'
FORMS = {
    'generalized': '',
    'representative-median': '  publish: representative\n  representative: { numbers: median, categories: mode }\n',
    'representative-midpoint': '  publish: representative\n  representative: { numbers: midpoint, categories: mode }\n',
}

ap = argparse.ArgumentParser()
ap.add_argument('--data', default=os.path.join(REPO, 'fixtures', 'adult'))
ap.add_argument('--k', default='5,10,50,100')
ap.add_argument('--forms', default='representative-median,representative-midpoint,generalized+featurized')
ap.add_argument('--suppression', default='0')
ap.add_argument('--seeds', default='0,1,2', help='split seeds: each figure is the mean over the splits')
args = ap.parse_args()

adult = pd.read_csv(os.path.join(args.data, 'adult.csv'), sep=';', dtype=str, keep_default_na=False)
work = tempfile.mkdtemp(prefix='veil-ml-')
seeds = [int(s) for s in args.seeds.split(',')]
cut = int(len(adult) * 0.7)

def split(seed):
    order = np.random.RandomState(seed).permutation(len(adult))
    train, test = adult.iloc[order[:cut]], adult.iloc[order[cut:]]
    train.to_csv(os.path.join(work, f'train-{seed}.csv'), sep=';', index=False)
    return train, test
splits = {seed: split(seed) for seed in seeds}

def features(frame):
    x = frame[QIS].copy()
    x['age'] = pd.to_numeric(x['age'], errors='coerce')
    return x, (frame[TARGET] == '>50K').astype(int)

def models(extra=()):
    cats = [q for q in QIS if q != 'age'] + list(extra)
    onehot = lambda: ColumnTransformer([('cat', OneHotEncoder(handle_unknown='ignore', sparse_output=False), cats), ('num', StandardScaler(), ['age'])])
    return {
        'HistGradientBoosting': make_pipeline(onehot(), HistGradientBoostingClassifier(random_state=0)),
        'LogisticRegression': make_pipeline(onehot(), LogisticRegression(max_iter=2000)),
    }

def accuracy(train_frame, test, featurized=None):
    x, y = features(train_frame)
    tx, ty = features(test)
    if featurized is not None:
        # Every quasi-identifier a category, the test rows as the plan featurized them.
        x, tx = train_frame[QIS].copy(), featurized[QIS].copy()
        x['age'], tx['age'] = -1, -1
        x = x.assign(age_class=train_frame['age'])
        tx = tx.assign(age_class=featurized['age'])
        return {name: float((m.fit(x, y).predict(tx) == ty).mean()) for name, m in models(['age_class']).items()}
    if x['age'].isna().any():
        return None  # not numbers: the generalized form needs a featurizer of its own
    return {name: float((m.fit(x, y).predict(tx) == ty).mean()) for name, m in models().items()}

def anonymize(k, form, seed):
    policy = os.path.join(work, f'{form}-{k}.yaml')
    base = 'generalized' if form == 'generalized+featurized' else form
    h = ''.join(f'    {q}: {os.path.join(args.data, f"adult_hierarchy_{q}.csv")}\n' for q in QIS if q != 'age')
    with open(policy, 'w') as f:
        f.write(f'version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: {k}\n  quasi_identifiers: [{", ".join(QIS)}]\n  max_suppression: {args.suppression}\n  hierarchies:\n{h}{FORMS[base]}')
    out = os.path.join(work, f'{form}-{k}-{seed}.csv')
    plan = os.path.join(work, f'{form}-{k}-{seed}.plan.json')
    veil = ['node', os.path.join(REPO, 'bin', 'veil.js'), 'apply', '--delimiter', ';', '--policy', policy, '-q']
    subprocess.run(veil + [os.path.join(work, f'train-{seed}.csv'), '-o', out, '--plan-out', plan], check=True)
    trained = pd.read_csv(out, sep=';', dtype=str, keep_default_na=False)
    if form != 'generalized+featurized':
        return trained, None
    # The test split, mapped to the training split's classes (not k-anonymous: it is not released).
    splits[seed][1].to_csv(os.path.join(work, f'test-{seed}.csv'), sep=';', index=False)
    featurized = os.path.join(work, f'test-{k}-{seed}.featurized.csv')
    subprocess.run(veil + [os.path.join(work, f'test-{seed}.csv'), '-o', featurized, '--plan', plan, '--plan-mode', 'featurize'], check=True, stderr=subprocess.DEVNULL)
    return trained, pd.read_csv(featurized, sep=';', dtype=str, keep_default_na=False)

ks = [int(k) for k in args.k.split(',')]
def run(k, form, seed, test):
    trained, featurized = anonymize(k, form, seed)
    return accuracy(trained, test, featurized)

def mean(results):
    if any(r is None for r in results):
        return None
    return {name: float(np.mean([r[name] for r in results])) for name in results[0]}

print(f'Adult: {cut} training rows anonymized, {len(adult) - cut} raw test rows; accuracy on the raw test rows, mean over split seeds {args.seeds}')
print(f'{"training data":<36} {"model":<22} ' + ' '.join(f'{"k=" + str(k):>7}' for k in ks))
raw = mean([accuracy(train, test) for train, test in splits.values()])
for name, acc in raw.items():
    print(f'{"raw (no anonymization)":<36} {name:<22} ' + ' '.join(f'{acc:7.3f}' for _ in ks))

# A reference, not a veil form: a partition of the training rows into groups of
# at least k chosen with the target in view (a decision tree whose leaves hold
# k rows or more), each test row predicted by its leaf's majority. A model
# trained on any k-anonymous output sees at most one point per class, so this
# is about what a target-driven partition can keep; it is not a bound proven.
def leaf_majority(k, train, test):
    x, y = features(train)
    tx, ty = features(test)
    enc = ColumnTransformer([('cat', OneHotEncoder(handle_unknown='ignore', sparse_output=False), [q for q in QIS if q != 'age'])], remainder='passthrough')
    tree = make_pipeline(enc, DecisionTreeClassifier(min_samples_leaf=k, random_state=0))
    return float((tree.fit(x, y).predict(tx) == ty).mean())
bound = [float(np.mean([leaf_majority(k, train, test) for train, test in splits.values()])) for k in ks]
print(f'{"reference: target-chosen k-partition":<36} {"leaf majority":<22} ' + ' '.join(f'{b:7.3f}' for b in bound))
for form in args.forms.split(','):
    results = [mean([run(k, form, seed, test) for seed, (_, test) in splits.items()]) for k in ks]
    for name in raw:
        cells = [f'{"-":>7}' if r is None else f'{r[name]:7.3f}' for r in results]
        print(f'{"veil " + form:<36} {name:<22} ' + ' '.join(cells))
    for name in raw:
        cells = [f'{"-":>7}' if r is None else f'{100 * (r[name] - raw[name]):+7.2f}' for r in results]
        print(f'{"  points vs raw":<36} {name:<22} ' + ' '.join(cells))
