/**
 * Tensor methods (x.flatten(), x.add(y), x.sum(axis), ...) as tfjs-core 4.22.0 defines them in
 * src/public/chained_ops/. tfjs-layers calls some of them (the orthogonal initializer calls
 * x.flatten(), for one), but tfjs-core's Node entry point leaves them out: the @tensorflow/tfjs
 * bundle registers them, and Node cannot load tfjs-core's own files for them (extensionless ES
 * module imports). Each method is the same op on the same arguments, `this` in front, as there;
 * one that is already defined (by tfjs-core, or by the bundle a native backend package brings) is
 * left alone.
 */
import type * as Core from '@tensorflow/tfjs-core';

/** tfjs-core, as installChainedOps was given it */
let tf: typeof Core;

// `this` is any tensor, as in tfjs-core's definitions (which cast it to each op's rank)
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Method = (this: any, ...args: any[]) => unknown;

const methods: Record<string, Method> = {
  abs() { return tf.abs(this); },
  acos() { return tf.acos(this); },
  acosh() { return tf.acosh(this); },
  add(b) { return tf.add(this, b); },
  all(axis, keepDims) { return tf.all(this, axis, keepDims); },
  any(axis, keepDims) { return tf.any(this, axis, keepDims); },
  argMax(axis) { return tf.argMax(this, axis); },
  argMin(axis) { return tf.argMin(this, axis); },
  as1D() { return tf.reshape(this, [this.size]); },
  as2D(rows, columns) { return tf.reshape(this, [rows, columns]); },
  as3D(rows, columns, depth) { return tf.reshape(this, [rows, columns, depth]); },
  as4D(rows, columns, depth, depth2) { return tf.reshape(this, [rows, columns, depth, depth2]); },
  as5D(rows, columns, depth, depth2, depth3) { return tf.reshape(this, [rows, columns, depth, depth2, depth3]); },
  asScalar() { tf.util.assert(this.size === 1, () => 'The array must have only 1 element.'); return tf.reshape(this, []); },
  asType(dtype) { return tf.cast(this, dtype); },
  asin() { return tf.asin(this); },
  asinh() { return tf.asinh(this); },
  atan() { return tf.atan(this); },
  atan2(b) { return tf.atan2(this, b); },
  atanh() { return tf.atanh(this); },
  avgPool(filterSize, strides, pad, dimRoundingMode) { return tf.avgPool(this, filterSize, strides, pad, dimRoundingMode); },
  batchToSpaceND(blockShape, crops) { return tf.batchToSpaceND(this, blockShape, crops); },
  batchNorm(mean, variance, offset, scale, varianceEpsilon) { return tf.batchNorm(this, mean, variance, offset, scale, varianceEpsilon); },
  broadcastTo(shape) { return tf.broadcastTo(this, shape); },
  cast(dtype) { return tf.cast(this, dtype); },
  ceil() { return tf.ceil(this); },
  clipByValue(min, max) { return tf.clipByValue(this, min, max); },
  concat(x, axis) { if (x instanceof tf.Tensor) { x = [x]; } return tf.concat([this, ...x], axis); },
  conv1d(filter, stride, pad, dataFormat, dilation, dimRoundingMode) { return tf.conv1d(this, filter, stride, pad, dataFormat, dilation, dimRoundingMode); },
  conv2d(filter, strides, pad, dataFormat, dilations, dimRoundingMode) { return tf.conv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode); },
  conv2dTranspose(filter, outputShape, strides, pad, dimRoundingMode) { return tf.conv2dTranspose(this, filter, outputShape, strides, pad, dimRoundingMode); },
  cos() { return tf.cos(this); },
  cosh() { return tf.cosh(this); },
  cumprod(axis, exclusive, reverse) { return tf.cumprod(this, axis, exclusive, reverse); },
  cumsum(axis, exclusive, reverse) { return tf.cumsum(this, axis, exclusive, reverse); },
  depthToSpace(blockSize, dataFormat) { return tf.depthToSpace(this, blockSize, dataFormat); },
  depthwiseConv2d(filter, strides, pad, dataFormat, dilations, dimRoundingMode) { return tf.depthwiseConv2d(this, filter, strides, pad, dataFormat, dilations, dimRoundingMode); },
  dilation2d(filter, strides, pad, dilations, dataFormat) { return tf.dilation2d(this, filter, strides, pad, dilations, dataFormat); },
  div(b) { return tf.div(this, b); },
  divNoNan(b) { return tf.divNoNan(this, b); },
  dot(b) { return tf.dot(this, b); },
  elu() { return tf.elu(this); },
  equal(b) { return tf.equal(this, b); },
  erf() { return tf.erf(this); },
  euclideanNorm(axis, keepDims) { return tf.euclideanNorm(this, axis, keepDims); },
  exp() { return tf.exp(this); },
  expandDims(axis) { return tf.expandDims(this, axis); },
  expm1() { return tf.expm1(this); },
  fft() { return tf.fft(this); },
  flatten() { return tf.reshape(this, [this.size]); },
  floor() { return tf.floor(this); },
  floorDiv(b) { return tf.floorDiv(this, b); },
  gather(indices, axis, batchDims) { return tf.gather(this, indices, axis, batchDims); },
  greater(b) { return tf.greater(this, b); },
  greaterEqual(b) { return tf.greaterEqual(this, b); },
  ifft() { return tf.ifft(this); },
  irfft() { return tf.irfft(this); },
  isFinite() { return tf.isFinite(this); },
  isInf() { return tf.isInf(this); },
  isNaN() { return tf.isNaN(this); },
  leakyRelu(alpha) { return tf.leakyRelu(this, alpha); },
  less(b) { return tf.less(this, b); },
  lessEqual(b) { return tf.lessEqual(this, b); },
  localResponseNormalization(depthRadius, bias, alpha, beta) { return tf.localResponseNormalization(this, depthRadius, bias, alpha, beta); },
  log() { return tf.log(this); },
  log1p() { return tf.log1p(this); },
  logSigmoid() { return tf.logSigmoid(this); },
  logSoftmax(axis) { return tf.logSoftmax(this, axis); },
  logSumExp(axis, keepDims) { return tf.logSumExp(this, axis, keepDims); },
  logicalAnd(b) { return tf.logicalAnd(this, b); },
  logicalNot() { return tf.logicalNot(this); },
  logicalOr(b) { return tf.logicalOr(this, b); },
  logicalXor(b) { return tf.logicalXor(this, b); },
  matMul(b, transposeA, transposeB) { return tf.matMul(this, b, transposeA, transposeB); },
  max(axis, keepDims) { return tf.max(this, axis, keepDims); },
  maxPool(filterSize, strides, pad, dimRoundingMode) { return tf.maxPool(this, filterSize, strides, pad, dimRoundingMode); },
  maximum(b) { return tf.maximum(this, b); },
  mean(axis, keepDims) { return tf.mean(this, axis, keepDims); },
  min(axis, keepDims) { return tf.min(this, axis, keepDims); },
  minimum(b) { return tf.minimum(this, b); },
  mirrorPad(paddings, mode) { return tf.mirrorPad(this, paddings, mode); },
  mod(b) { return tf.mod(this, b); },
  mul(b) { return tf.mul(this, b); },
  neg() { return tf.neg(this); },
  norm(ord, axis, keepDims) { return tf.norm(this, ord, axis, keepDims); },
  notEqual(b) { return tf.notEqual(this, b); },
  oneHot(depth, onValue = 1, offValue = 0) { return tf.oneHot(this, depth, onValue, offValue); },
  onesLike() { return tf.onesLike(this); },
  pad(paddings, constantValue) { return tf.pad(this, paddings, constantValue); },
  pool(windowShape, poolingType, padding, dilationRate, strides, dimRoundingMode) { return tf.pool(this, windowShape, poolingType, padding, dilationRate, strides, dimRoundingMode); },
  pow(exp) { return tf.pow(this, exp); },
  prelu(alpha) { return tf.prelu(this, alpha); },
  prod(axis, keepDims) { return tf.prod(this, axis, keepDims); },
  reciprocal() { return tf.reciprocal(this); },
  relu() { return tf.relu(this); },
  relu6() { return tf.relu6(this); },
  reshape(shape) { return tf.reshape(this, shape); },
  reshapeAs(x) { return tf.reshape(this, x.shape); },
  resizeBilinear(newShape2D, alignCorners, halfPixelCenters) { return tf.image.resizeBilinear(this, newShape2D, alignCorners, halfPixelCenters); },
  resizeNearestNeighbor(newShape2D, alignCorners, halfFloatCenters) { return tf.image.resizeNearestNeighbor(this, newShape2D, alignCorners, halfFloatCenters); },
  reverse(axis) { return tf.reverse(this, axis); },
  rfft() { return tf.rfft(this); },
  round() { return tf.round(this); },
  rsqrt() { return tf.rsqrt(this); },
  selu() { return tf.selu(this); },
  separableConv2d(depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat) { return tf.separableConv2d(this, depthwiseFilter, pointwiseFilter, strides, pad, dilation, dataFormat); },
  sigmoid() { return tf.sigmoid(this); },
  sign() { return tf.sign(this); },
  sin() { return tf.sin(this); },
  sinh() { return tf.sinh(this); },
  slice(begin, size) { return tf.slice(this, begin, size); },
  softmax(dim) { return tf.softmax(this, dim); },
  softplus() { return tf.softplus(this); },
  spaceToBatchND(blockShape, paddings) { return tf.spaceToBatchND(this, blockShape, paddings); },
  split(numOrSizeSplits, axis) { return tf.split(this, numOrSizeSplits, axis); },
  sqrt() { return tf.sqrt(this); },
  square() { return tf.square(this); },
  squaredDifference(b) { return tf.squaredDifference(this, b); },
  squeeze(axis) { return tf.squeeze(this, axis); },
  stack(x, axis) { const tensorsToBeStacked = x instanceof tf.Tensor ? [this, x] : [this, ...x]; return tf.stack(tensorsToBeStacked, axis); },
  step(alpha) { return tf.step(this, alpha); },
  stridedSlice(begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask) { return tf.stridedSlice(this, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask); },
  sub(b) { return tf.sub(this, b); },
  sum(axis, keepDims) { return tf.sum(this, axis, keepDims); },
  tan() { return tf.tan(this); },
  tanh() { return tf.tanh(this); },
  tile(reps) { return tf.tile(this, reps); },
  toBool() { return tf.cast(this, 'bool'); },
  toFloat() { return tf.cast(this, 'float32'); },
  toInt() { return tf.cast(this, 'int32'); },
  topk(k, sorted) { return tf.topk(this, k, sorted); },
  transpose(perm) { return tf.transpose(this, perm); },
  unique(axis) { return tf.unique(this, axis); },
  unsortedSegmentSum(segmentIds, numSegments) { return tf.unsortedSegmentSum(this, segmentIds, numSegments); },
  unstack(axis) { return tf.unstack(this, axis); },
  where(condition, x) { return tf.where(condition, this, x); },
  zerosLike() { return tf.zerosLike(this); },};

/** Defines the methods on tfjs-core's Tensor class (those it lacks). */
export function installChainedOps(core: typeof Core): void {
  tf = core;
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    if (name in proto) continue;
    proto[name] = function (this: Core.Tensor, ...args: unknown[]) {
      this.throwIfDisposed();
      return method.apply(this, args);
    };
  }
}
