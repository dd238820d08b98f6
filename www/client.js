// The public API of the explainer, the one module an embedding page imports: createExplainer() and image helpers.

export { createExplainer } from './client/explainer.js';
export { toPixels } from './client/decoder.js';
export { sniffImage, MAX_SIDE, MAX_DECODE_PIXELS, DIRECT_DECODE_PIXELS, MAX_IMAGE_FILE_BYTES } from './image/decode.js';
