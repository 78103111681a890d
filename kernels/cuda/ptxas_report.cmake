# Compiles one .cu with `-Xptxas -v` and writes nvcc's output (the ptxas
# resource lines: registers, shared memory, spill stores/loads per kernel and
# architecture) to OUT. Run by the ptxas_report target (kernels/CMakeLists.txt):
#   cmake -DNVCC=... -DSRC=x.cu -DOUT=x.txt -DOBJ=x.o -DINCLUDE=... "-DGENCODE=-gencode|arch=compute_80,code=sm_80" -P ptxas_report.cmake
string(REPLACE "|" ";" GENCODE "${GENCODE}")  # "-gencode|arch=...,code=...|..."
execute_process(
  COMMAND ${NVCC} -std=c++20 -O3 ${GENCODE} -Xptxas -v -I${INCLUDE} -c ${SRC} -o ${OBJ}
  RESULT_VARIABLE result
  OUTPUT_VARIABLE log
  ERROR_VARIABLE log)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "nvcc -Xptxas -v failed for ${SRC}:\n${log}")
endif()
file(WRITE ${OUT} "${log}")
