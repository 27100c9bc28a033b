// The part of ml-naivebayes (which ships no types) that veil uses.
declare module 'ml-naivebayes' {
  export class MultinomialNB {
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
  }
}
