// Fused LSTM / GRU / vanilla RNN kernels (tfjs-layers semantics). All buffers are f32, time-major [T, B, *],
// addressed by byte pointers into the (shared, imported) linear memory that the JS side lays out.
// Every kernel works on one contiguous batch slice, so several threads can run the same kernel
// on different slices of one batch at once; nothing here keeps state between calls.
//
// Determinism: every output element is accumulated in a fixed order (k ascending, one mul then one
// add per term, the same in the SIMD blocks and the scalar tails; gemmNT's dot products have their
// own fixed order, chosen by the shapes alone), so a row's result does not depend on how many rows
// share its call, i.e. on how the batch is sliced.
//
// This is the module's entry: the kernels it exports, each from the file of its idea.

export { heapBase } from './memory';
export { lstmForward, lstmBackward } from './lstm';
export { lstmvForward, lstmvBackward } from './lstm-variants';
export { gruForward, gruBackward } from './gru';
export { rnnForward, rnnBackward } from './rnn';
export { addInto, permute } from './memory';
export { adamStep, sumSquares } from './optimizer';
export { gemm, pack, packT } from './gemm';
export { gram } from './gram';
export { householderQr } from './householder';
export { etsSearch, etsInitial, etsScratchBytes } from './ets';
export { simdPeak } from './peak';
