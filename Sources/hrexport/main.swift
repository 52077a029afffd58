import HeartRateExport
import Sandbox
import ArgumentParser
print(HRExport.version)
