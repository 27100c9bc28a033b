#!/usr/bin/env python3
"""What k-anonymity costs a model, measured the way the training-ready issue sets the bar.

A 70/30 split of Adult (fixed seed), the 70 % anonymized by `veil apply` with
the 8 quasi-identifiers and the ARX hierarchies, scikit-learn's
HistGradientBoostingClassifier and LogisticRegression trained on veil's output
as it is (one-hot categories, numbers as numbers: scikit-learn's own
encoders, no featurizing of ours) and tested on the raw 30 %.

    python3 -m venv .venv && .venv/bin/pip install scikit-learn pandas
    .venv/bin/python test/bench/ml-accuracy.py [--data DIR] [--k 5,10,50,100] [--forms ...]

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
ap.add_argument('--forms', default='representative-median,representative-midpoint')
ap.add_argument('--suppression', default='0')
ap.add_argument('--seed', type=int, default=0)
args = ap.parse_args()

adult = pd.read_csv(os.path.join(args.data, 'adult.csv'), sep=';', dtype=str, keep_default_na=False)
order = np.random.RandomState(args.seed).permutation(len(adult))
cut = int(len(adult) * 0.7)
train, test = adult.iloc[order[:cut]], adult.iloc[order[cut:]]
work = tempfile.mkdtemp(prefix='veil-ml-')
train.to_csv(os.path.join(work, 'train.csv'), sep=';', index=False)

def features(frame):
    x = frame[QIS].copy()
    x['age'] = pd.to_numeric(x['age'], errors='coerce')
    return x, (frame[TARGET] == '>50K').astype(int)

def models():
    cats = [q for q in QIS if q != 'age']
    onehot = lambda: ColumnTransformer([('cat', OneHotEncoder(handle_unknown='ignore', sparse_output=False), cats), ('num', StandardScaler(), ['age'])])
    return {
        'HistGradientBoosting': make_pipeline(onehot(), HistGradientBoostingClassifier(random_state=0)),
        'LogisticRegression': make_pipeline(onehot(), LogisticRegression(max_iter=2000)),
    }

def accuracy(train_frame):
    x, y = features(train_frame)
    tx, ty = features(test)
    if x['age'].isna().any():
        return None  # not numbers: the generalized form needs a featurizer of its own
    return {name: float((m.fit(x, y).predict(tx) == ty).mean()) for name, m in models().items()}

def anonymize(k, form):
    policy = os.path.join(work, f'{form}-{k}.yaml')
    h = ''.join(f'    {q}: {os.path.join(args.data, f"adult_hierarchy_{q}.csv")}\n' for q in QIS if q != 'age')
    with open(policy, 'w') as f:
        f.write(f'version: 1\nunlisted: keep\ncolumns:\n  salary-class: keep\nk_anonymity:\n  k: {k}\n  quasi_identifiers: [{", ".join(QIS)}]\n  max_suppression: {args.suppression}\n  hierarchies:\n{h}{FORMS[form]}')
    out = os.path.join(work, f'{form}-{k}.csv')
    subprocess.run(['node', os.path.join(REPO, 'bin', 'veil.js'), 'apply', os.path.join(work, 'train.csv'), '--delimiter', ';', '--policy', policy, '-o', out, '-q'], check=True)
    return pd.read_csv(out, sep=';', dtype=str, keep_default_na=False)

ks = [int(k) for k in args.k.split(',')]
print(f'Adult: {len(train)} training rows anonymized, {len(test)} raw test rows (split seed {args.seed}); accuracy on the raw test rows')
print(f'{"training data":<34} {"model":<22} ' + ' '.join(f'{"k=" + str(k):>7}' for k in ks))
raw = accuracy(train)
for name, acc in raw.items():
    print(f'{"raw (no anonymization)":<34} {name:<22} ' + ' '.join(f'{acc:7.3f}' for _ in ks))
for form in args.forms.split(','):
    results = [accuracy(anonymize(k, form)) for k in ks]
    for name in raw:
        cells = [f'{"-":>7}' if r is None else f'{r[name]:7.3f}' for r in results]
        print(f'{"veil " + form:<34} {name:<22} ' + ' '.join(cells))
    for name in raw:
        cells = [f'{"-":>7}' if r is None else f'{100 * (r[name] - raw[name]):+7.2f}' for r in results]
        print(f'{"  points vs raw":<34} {name:<22} ' + ' '.join(cells))
