// English texts of "what does this unit see": the footprint panel, the photos panel and the unit card.
export default {
  'fp.title': 'What this unit sees',
  'fp.cropLabel': 'The 227 × 227 crop the network sees; click a pixel to see which units see it',
  'fp.hint': 'Point at a unit to see the square of the crop it looks at. Click a pixel of the crop to see which units of each layer see it.',
  'fp.stripLabel': 'The layers below, with the part that feeds the unit',
  'fp.field': '{id} unit ({y}, {x}) sees a {size} × {size} square of the crop, from row {y0}, column {x0}.',
  'fp.padding': 'Only {h} × {w} of it lies on the image; the rest is zero padding.',
  'fp.pixel': 'Crop pixel ({y}, {x}): the blue boxes are the units of each layer that see it.',
  'fp.layerNone': '{id}: nothing to show',
  'fp.layerBox': '{id}: rows {y0}–{y1}, columns {x0}–{x1} of {h} × {w}, {channels}',
  'fp.allChannels': 'all {c} channels',
  'fp.channels': 'channels {c0}–{c1}',
};
