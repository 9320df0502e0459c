package ocr

/*
#cgo LDFLAGS: -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

// ocr_openmp_serial makes OpenMP parallel regions started from the calling
// thread run on that thread alone. The symbol is looked up at run time so
// that a Tesseract built without OpenMP needs nothing here.
static int ocr_openmp_serial(void) {
	void (*set_max_active_levels)(int) =
		(void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
	if (set_max_active_levels == NULL) {
		return 0;
	}
	set_max_active_levels(0);
	return 1;
}
*/
import "C"

import "os"

// Tesseract's LSTM runs OpenMP parallel loops inside one page. With one
// engine per core that only oversubscribes the CPU: measured on 2 cores, a
// page took 8–12 s instead of 1.4 s. Tesseract's own advice is
// OMP_THREAD_LIMIT=1 when running several pages in parallel.
//
// Setting the variable from Go is too late for this process: libgomp reads
// its environment in a constructor when the shared library is loaded,
// before any Go code runs (measured: no effect). It still helps child
// processes (a tesseract or ocrmypdf started by this program), so init sets
// it when the operator has not. For this process, Recognize additionally
// calls omp_set_max_active_levels(0) on the locked OS thread that runs
// Tesseract; that setting is per thread in libgomp, so it has to happen on
// the very thread that recognises.
//
// An operator who sets OMP_THREAD_LIMIT explicitly (for example Jobs=1 and
// OpenMP threads on a large machine) keeps OpenMP as configured.
var openMPConfigured = os.Getenv("OMP_THREAD_LIMIT") != ""

func init() {
	if !openMPConfigured {
		_ = os.Setenv("OMP_THREAD_LIMIT", "1") // cannot fail for a valid name and value
	}
}

// serialOpenMP limits OpenMP on the current OS thread, unless the operator
// configured OpenMP. The caller must hold runtime.LockOSThread.
func serialOpenMP() {
	if openMPConfigured {
		return
	}
	C.ocr_openmp_serial()
}
