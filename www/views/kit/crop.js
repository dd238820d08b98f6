// The 227 crop as a picture: the `data` tensor (BGR minus the mean) with the mean added back, in RGB.

/**
 * RGBA pixels of the network's input crop, for drawing it (not a layer: the inverse of preprocessing's last step).
 * @param {{shape: number[], data: Float32Array}} tensor the `data` tensor, [3, H, W]
 * @param {{mean_bgr: number[], channel_order: string}} input the spec's input row
 */
export function cropImageData(tensor, input) {
  const [, H, W] = tensor.shape;
  const n = H * W;
  const img = new ImageData(W, H);
  const toRgb = input.channel_order === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const mean = input.mean_bgr;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = tensor.data[toRgb[c] * n + i] + mean[toRgb[c]];
    img.data[i * 4 + 3] = 255;
  }
  return img;
}
