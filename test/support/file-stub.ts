// Stands in for CSS, SVG and PNG imports under jest (webpack handles them in the real build).
export default 'file-stub';
