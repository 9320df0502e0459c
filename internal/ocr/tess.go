package ocr

/*
#include <malloc.h>

static size_t ocr_c_heap_in_use(void) {
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}
*/
import "C"

// cHeapInUse is the number of bytes the C allocator has handed out and not
// got back, over all arenas and mmapped chunks (glibc mallinfo2).
func cHeapInUse() int64 {
	return int64(C.ocr_c_heap_in_use())
}
