@echo off
rem GPT-SoVITS Studio for Windows: double-click to set up (first run) and launch.
rem   install.bat                       set up, then open the studio in your browser
rem   install.bat --test                set up with test tools and run the whole test suite
rem   install.bat --no-launch           set up only
rem   install.bat --cpu                 install the CPU build of PyTorch even with an NVIDIA GPU
rem   install.bat --download-models v2  also fetch the official weights
setlocal EnableExtensions EnableDelayedExpansion
cd /d "%~dp0"

set "TORCH_SPEC=torch==2.14.1 torchaudio==2.11.0"
set "TORCH_INDEX_CUDA=https://download.pytorch.org/whl/cu130"
set "TORCH_INDEX_CPU=https://download.pytorch.org/whl/cpu"
set "MODE=launch"
set "DOWNLOAD="
set "FORCE_CPU=0"

:parse
if "%~1"=="" goto parsed
if /i "%~1"=="--test" (set "MODE=test" & shift & goto parse)
if /i "%~1"=="--no-launch" (set "MODE=none" & shift & goto parse)
if /i "%~1"=="--cpu" (set "FORCE_CPU=1" & shift & goto parse)
if /i "%~1"=="--download-models" (
  if "%~2"=="" (echo error: --download-models needs a version, e.g. --download-models v2 & exit /b 2)
  set "DOWNLOAD=%~2" & shift & shift & goto parse
)
echo error: unknown option %~1
exit /b 2
:parsed

set "PY=.venv\Scripts\python.exe"
if exist "%PY%" goto have_venv
set "BASE_PY="
for %%V in (3.12 3.11 3.10) do (
  if not defined BASE_PY (
    py -%%V -c "import sys" >nul 2>&1 && set "BASE_PY=py -%%V"
  )
)
if not defined BASE_PY (
  python -c "import sys; sys.exit(0 if (3,10) <= sys.version_info[:2] <= (3,12) else 1)" >nul 2>&1 && set "BASE_PY=python"
)
if not defined BASE_PY (
  echo GPT-SoVITS Studio needs Python 3.10, 3.11 or 3.12.
  echo Install Python 3.12 from https://www.python.org/downloads/windows/ and tick "Add python.exe to PATH",
  echo then double-click install.bat again.
  pause
  exit /b 1
)
echo Creating the virtual environment with %BASE_PY% ...
%BASE_PY% -m venv .venv || (echo error: could not create the virtual environment & pause & exit /b 1)
:have_venv

set "TORCH_INDEX=%TORCH_INDEX_CPU%"
if "%FORCE_CPU%"=="0" (
  where nvidia-smi >nul 2>&1 && set "TORCH_INDEX=%TORCH_INDEX_CUDA%"
)

call :install_if_changed ".venv\.install-stamp" requirements.txt || goto failed
if "%MODE%"=="test" (
  call :install_if_changed ".venv\.install-stamp-test" requirements.txt requirements-test.txt || goto failed
)
echo Environment ready.

set "GRADIO_ANALYTICS_ENABLED=False"
if defined DOWNLOAD (
  "%PY%" -m gpt_sovits download --version %DOWNLOAD% || goto failed
)
if "%MODE%"=="test" (
  set "HF_HUB_OFFLINE=1"
  set "TRANSFORMERS_OFFLINE=1"
  "%PY%" -m pytest -q
  exit /b !ERRORLEVEL!
)
if "%MODE%"=="none" exit /b 0
"%PY%" app.py
exit /b %ERRORLEVEL%

:install_if_changed
rem %1 = stamp file, then the requirement files; the stamp is a hash of them and of the torch choice.
set "STAMP_FILE=%~1"
shift
set "REQS="
:collect
if "%~1"=="" goto collected
set "REQS=!REQS! %~1"
shift
goto collect
:collected
for /f "delims=" %%H in ('"%PY%" -c "import hashlib,sys; h=hashlib.sha256(sys.argv[1].encode()); [h.update(open(f,'rb').read()) for f in sys.argv[2:]]; print(h.hexdigest())" "%TORCH_SPEC% %TORCH_INDEX%" !REQS!') do set "WANT=%%H"
set "HAVE="
if exist "%STAMP_FILE%" set /p HAVE=<"%STAMP_FILE%"
if "%HAVE%"=="%WANT%" exit /b 0
echo Installing dependencies (first run or requirements changed)...
"%PY%" -m pip install --disable-pip-version-check -q --upgrade pip || exit /b 1
"%PY%" -m pip install --disable-pip-version-check -q %TORCH_SPEC% --index-url %TORCH_INDEX% || exit /b 1
for %%R in (!REQS!) do (
  "%PY%" -m pip install --disable-pip-version-check -q -r %%R || exit /b 1
)
> "%STAMP_FILE%" echo %WANT%
exit /b 0

:failed
echo.
echo Setup failed; the messages above say why. Run "install.bat" again after fixing it.
pause
exit /b 1
