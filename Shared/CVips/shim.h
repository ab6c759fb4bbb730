#pragma once
// libvips (Debian's libvips-dev) for the photos of appeals. Swift cannot call C-variadic functions
// nor expand VIPS_INIT, so each call Hromada needs has a fixed-signature wrapper here, prefixed
// `hromada_vips_`. Shared/Imaging/LibVips.swift is the only Swift file that calls them.
#include <vips/vips.h>

/// Starts libvips once per process; 0 on success. Untrusted loaders (SVG, PDF, ImageMagick, …)
/// are blocked and the operation cache is off, so no decoded photo lingers in memory.
static inline int hromada_vips_init(void) {
    if (VIPS_INIT("hromada")) return -1;
    vips_block_untrusted_set(TRUE);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    return 0;
}

/// Opens an image for its header only (sequential access: nothing is decoded yet); NULL on error.
static inline VipsImage *hromada_vips_open_header(const void *buf, size_t len) {
    return vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
}

/// Decodes and shrinks to fit `size`×`size` (never enlarges), auto-rotated by its orientation and
/// turned into sRGB; 0 on success.
static inline int hromada_vips_thumbnail(const void *buf, size_t len, int size, VipsImage **out) {
    return vips_thumbnail_buffer((void *)buf, len, out, size, "height", size, "size", VIPS_SIZE_DOWN,
        "export_profile", "srgb", NULL);
}

/// JPEG of `in` (alpha flattened on white) with every metadata block stripped (EXIF, XMP, IPTC,
/// ICC); the caller frees `*buf` with g_free. 0 on success.
static inline int hromada_vips_jpeg(VipsImage *in, int quality, void **buf, size_t *len) {
    VipsImage *flat = NULL;
    if (vips_image_hasalpha(in)) {
        VipsArrayDouble *white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        int failed = vips_flatten(in, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (failed) return -1;
        in = flat;
    }
    int result = vips_jpegsave_buffer(in, buf, len, "Q", quality, "strip", TRUE, "optimize_coding", TRUE,
        "interlace", FALSE, NULL);
    if (flat) g_object_unref(flat);
    return result;
}

/// Attaches a metadata blob (e.g. "exif-data", "xmp-data") to an image: test fixtures only.
static inline void hromada_vips_set_blob(VipsImage *image, const char *name, const void *data, size_t len) {
    vips_image_set_blob_copy(image, name, data, len);
}

/// A new `width`×`height` 3-band image of a colour gradient, for generated test fixtures; NULL on error.
static inline VipsImage *hromada_vips_fixture(int width, int height) {
    VipsImage *x = NULL, *rgb = NULL, *out = NULL;
    if (vips_xyz(&x, width, height, NULL)) return NULL;
    VipsImage *bands[3] = {NULL, NULL, NULL};
    int failed = vips_extract_band(x, &bands[0], 0, NULL)
        || vips_extract_band(x, &bands[1], 1, NULL)
        || vips_add(bands[0], bands[1], &bands[2], NULL)
        || vips_bandjoin(bands, &rgb, 3, NULL)
        || vips_cast(rgb, &out, VIPS_FORMAT_UCHAR, NULL);
    for (int i = 0; i < 3; i++) if (bands[i]) g_object_unref(bands[i]);
    g_object_unref(x);
    if (rgb) g_object_unref(rgb);
    return failed ? NULL : out;
}

/// Saves `in` in the format its suffix names (".jpg", ".png", ".webp", ".heic", ".gif"), keeping
/// metadata: test fixtures only. The caller frees `*buf` with g_free. 0 on success.
static inline int hromada_vips_save(VipsImage *in, const char *suffix, void **buf, size_t *len) {
    return vips_image_write_to_buffer(in, suffix, buf, len, NULL);
}
